import AMQPFrontend
import MQTTFrontend
import Management

/// The management API's view of the client connections: both frontends' counts.
struct FrontendConnections: ConnectionDirectory {
    let amqp: AMQPServer
    let mqtt: MQTTServer

    var connectionCount: Int { amqp.connectionCount + mqtt.connectionCount }
}
