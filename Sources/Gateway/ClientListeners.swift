import AMQPModel
import Locks
import Management
import Transport

/// The listeners clients connect to (AMQP, MQTT, WebSocket, and their TLS twins), opened together and closed together:
/// at start on a single node, and on a cluster node only while it leads. The management listeners are not among
/// them: every node answers its management API.
final class ClientListeners: @unchecked Sendable {
    /// One listener to open.
    struct Spec {
        let host: String
        let port: Int
        let tls: TLSContext?
        /// The protocol name the management API reports.
        let protocolName: String
        /// For the log line.
        let label: String
        let makeHandler: @Sendable (TCPConnection) -> ConnectionHandler?
    }

    private let specs: [Spec]
    private let group: EventLoopGroup
    private let management: ManagementServer
    /// The management listeners, always part of what the API reports.
    private let managementListeners: [Listener]
    private let open = Lock<[TCPListener]>([])
    private let logger = Logger(label: "gateway")

    init(_ specs: [Spec], group: EventLoopGroup, management: ManagementServer, managementListeners: [Listener]) {
        self.specs = specs
        self.group = group
        self.management = management
        self.managementListeners = managementListeners
        management.listeners = managementListeners
    }

    /// True while the listeners are open.
    var isOpen: Bool { open.withLock { !$0.isEmpty } }

    /// Binds every listener; on a failure closes those already bound and throws.
    func start() throws(TransportError) {
        try open.withLock { (listeners: inout [TCPListener]) throws(TransportError) in
            guard listeners.isEmpty else { return }
            let logger = self.logger
            let onTLSError: @Sendable (TransportError) -> Void = { logger.warning("\($0)") }
            var bound: [TCPListener] = []
            do throws(TransportError) {
                for spec in specs {
                    let listener =
                        if let tls = spec.tls {
                            try TCPListener.bind(
                                host: spec.host, port: spec.port, group: group, tls: tls, onError: onTLSError,
                                makeHandler: spec.makeHandler)
                        } else {
                            try TCPListener.bind(
                                host: spec.host, port: spec.port, group: group, makeHandler: spec.makeHandler)
                        }
                    bound.append(listener)
                    logger.info("listening for \(spec.label) on \(listener.localAddress)")
                }
            } catch {
                for l in bound { l.close() }
                throw error
            }
            listeners = bound
            management.listeners =
                managementListeners
                + zip(bound, specs).map { Listener($0.localAddress, $1.protocolName) }
        }
    }

    /// Closes every listener (established connections are the frontends' to close).
    func stop() {
        open.withLock { listeners in
            for l in listeners { l.close() }
            if !listeners.isEmpty { logger.info("client listeners closed") }
            listeners = []
            management.listeners = managementListeners
        }
    }
}
