import AMQPFrontend
import AMQPValues
import FrontendSupport
import MQTTFrontend
import Management

/// The management API's view of the client connections: both frontends'.
struct FrontendConnections: ConnectionDirectory {
    let amqp: AMQPServer
    let mqtt: MQTTServer

    var connectionCount: Int { amqp.connectionCount + mqtt.connectionCount }

    var connections: [ClientConnectionInfo] { amqp.clientConnections + mqtt.clientConnections }

    var channels: [(connection: ClientConnectionInfo, number: UInt16)] { amqp.clientChannels }

    func statistics() -> ClientStatistics {
        var s = amqp.statistics()
        s.merge(mqtt.statistics())
        return s
    }

    func close(name: String, reason: String) -> Bool {
        amqp.closeConnection(named: name, reason: reason) || mqtt.closeConnection(named: name, reason: reason)
    }

    func endMQTTSession(vhost: String, clientId: String) -> Bool {
        mqtt.endSession(vhost: vhost, clientId: ByteString(clientId))
    }
}
