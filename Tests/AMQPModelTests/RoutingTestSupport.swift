import AMQPValues

@testable import AMQPModel

extension RoutingTable where Destination == String {
    /// The destinations `key` routes to, in routing order.
    func destinations(for key: ByteString, headers: FieldTable? = nil) -> [String] {
        var targets = RouteTargets<String>()
        route(key: key, headers: headers, into: &targets)
        return targets.map(\.destination)
    }

    /// The destinations `key` routes to with their qos.
    func qos(for key: ByteString) -> [String: UInt8] {
        var targets = RouteTargets<String>()
        route(key: key, headers: nil, into: &targets)
        var result: [String: UInt8] = [:]
        for t in targets { result[t.destination] = t.qos }
        return result
    }
}
