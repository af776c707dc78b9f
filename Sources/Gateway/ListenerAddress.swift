import GatewayConfig

/// One listener of the configuration: what a single node or a cluster leader opens, and what a cluster follower
/// forwards to the leader's listener of the same name.
struct ListenerAddress: Sendable {
    /// `amqp`, `amqps`, `mqtt`, `mqtts`, `ws`, `wss`, `http` or `https`.
    let name: String
    let host: String
    let port: Int
    /// True for the TLS twins (only listed with `[main] tls_cert`).
    let tls: Bool
    /// The protocol name the management API reports.
    let protocolName: String
    /// For the log line.
    let label: String

    /// The client listeners (AMQP, MQTT, MQTT over WebSocket and, with TLS, their twins) of `configuration`.
    static func clients(_ c: GatewayConfiguration, tls: Bool) -> [ListenerAddress] {
        let (a, m) = (c.amqp, c.mqtt)
        var list = [
            ListenerAddress(name: "amqp", host: a.bind, port: a.port, tls: false, protocolName: "amqp", label: "AMQP"),
            ListenerAddress(name: "mqtt", host: m.bind, port: m.port, tls: false, protocolName: "mqtt", label: "MQTT"),
            ListenerAddress(
                name: "ws", host: m.wsBind, port: m.wsPort, tls: false, protocolName: "http/web-mqtt",
                label: "MQTT over WebSocket"),
        ]
        if tls {
            list += [
                ListenerAddress(
                    name: "amqps", host: a.bind, port: a.tlsPort, tls: true, protocolName: "amqp/ssl", label: "AMQPS"),
                ListenerAddress(
                    name: "mqtts", host: m.bind, port: m.tlsPort, tls: true, protocolName: "mqtt/ssl", label: "MQTTS"),
                ListenerAddress(
                    name: "wss", host: m.wsBind, port: m.wssPort, tls: true, protocolName: "https/web-mqtt",
                    label: "MQTT over secure WebSocket"),
            ]
        }
        return list
    }

    /// The management API's listeners (HTTP and, with TLS, HTTPS).
    static func management(_ c: GatewayConfiguration, tls: Bool) -> [ListenerAddress] {
        let g = c.mgmt
        var list = [
            ListenerAddress(
                name: "http", host: g.bind, port: g.port, tls: false, protocolName: "http", label: "HTTP (management API)")
        ]
        if tls {
            list.append(
                ListenerAddress(
                    name: "https", host: g.bind, port: g.tlsPort, tls: true, protocolName: "https",
                    label: "HTTPS (management API)"))
        }
        return list
    }

    /// Every listener: clients and management.
    static func all(_ c: GatewayConfiguration, tls: Bool) -> [ListenerAddress] {
        clients(c, tls: tls) + management(c, tls: tls)
    }
}
