import AMQPModel
import Locks
import Management
import Transport

/// The listeners clients connect to (AMQP, MQTT, WebSocket, and their TLS twins), opened together and closed together
/// once the broker is loaded. The management listeners are opened with the management server, before them. On a
/// cluster leader every listener believes the PROXY protocol headers of its followers (`proxyTrust`).
final class ClientListeners: @unchecked Sendable {
    /// One listener to open.
    struct Spec {
        let address: ListenerAddress
        let tls: TLSContext?
        let makeHandler: @Sendable (TCPConnection) -> ConnectionHandler?
    }

    private let specs: [Spec]
    private let group: EventLoopGroup
    private let proxyTrust: ProxyTrust?
    private let management: ManagementServer
    /// The management listeners, always part of what the API reports.
    private let managementListeners: [Listener]
    private let open = Lock<[TCPListener]>([])
    private let logger = Logger(label: "gateway")

    init(
        _ specs: [Spec], group: EventLoopGroup, proxyTrust: ProxyTrust?, management: ManagementServer,
        managementListeners: [Listener]
    ) {
        self.specs = specs
        self.group = group
        self.proxyTrust = proxyTrust
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
            let onError: @Sendable (TransportError) -> Void = { logger.warning("\($0)") }
            var bound: [TCPListener] = []
            do throws(TransportError) {
                for spec in specs {
                    let listener = try TCPListener.bind(
                        host: spec.address.host, port: spec.address.port, group: group, tls: spec.tls,
                        proxyProtocol: proxyTrust, onError: onError, makeHandler: spec.makeHandler)
                    bound.append(listener)
                    logger.info("listening for \(spec.address.label) on \(listener.localAddress)")
                }
            } catch {
                for l in bound { l.close() }
                throw error
            }
            listeners = bound
            management.listeners =
                managementListeners
                + zip(bound, specs).map { Listener($0.localAddress, $1.address.protocolName) }
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
