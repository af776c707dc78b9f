import AMQPModel
import Forwarding
import GatewayConfig
import Locks
import Replication
import Transport

/// A cluster follower's listeners (issue 12 §4): every client and management port of the configuration, each passing
/// its connections to the leader's listener of the same name behind a PROXY protocol v2 header naming the client
/// (`TCPForwarder`; TLS is not terminated here, the leader's listener does it). Until the leader's ports are known
/// (its replication welcome) a connection is closed at once.
final class ForwardingListeners: @unchecked Sendable {
    private let addresses: [ListenerAddress]
    private let group: EventLoopGroup
    private let open = Lock<[TCPListener]>([])
    /// The leader's numeric host and its listeners' ports.
    private let upstream = Lock<(@Sendable () -> (host: String, ports: [ClientPort])?)?>(nil)
    private let logger = Logger(label: "cluster")

    /// The forwarders of every listener of `configuration` (with the TLS ones when `tls`).
    init(_ configuration: GatewayConfiguration, tls: Bool, group: EventLoopGroup) {
        addresses = ListenerAddress.all(configuration, tls: tls)
        self.group = group
    }

    /// Forwards to what `leader` returns from now on (asked once per accepted connection).
    func forward(to leader: @escaping @Sendable () -> (host: String, ports: [ClientPort])?) {
        upstream.withLock { $0 = leader }
    }

    /// Opens every listener not open yet; a port that cannot be bound is logged and left out.
    func start() {
        open.withLock { listeners in
            guard listeners.isEmpty else { return }
            let logger = self.logger
            let upstream = self.upstream
            for address in addresses {
                let name = address.name
                let forwarder = TCPForwarder(onError: { logger.warning("\($0)") }) { _ in
                    guard let leader = upstream.withLock({ $0 })?(),
                        let port = leader.ports.first(where: { $0.name == name })?.port
                    else { return nil }
                    return (leader.host, port)
                }
                do {
                    let listener = try TCPListener.bind(
                        host: address.host, port: address.port, group: group,
                        makeHandler: { forwarder.makeHandler(for: $0) })
                    listeners.append(listener)
                    logger.info("forwarding \(address.label) on \(listener.localAddress) to the leader")
                } catch {
                    logger.error("cannot forward \(address.label): \(error)")
                }
            }
        }
    }

    /// Closes every listener (connections already forwarded stay until either end closes).
    func stop() {
        open.withLock { listeners in
            for l in listeners { l.close() }
            listeners = []
        }
    }
}
