import AMQPModel
import GatewayConfig
import Locks
import Management
import Storage
import Transport

#if canImport(Glibc)
    import Glibc
#endif

/// The running process: the event loops, the data directory, and either the broker (a single node) or the cluster
/// role that builds it on election; an orderly shutdown on SIGTERM/SIGINT (SIGHUP reloads the TLS certificate and
/// key).
final class GatewayServer {
    let configuration: GatewayConfiguration
    let group: EventLoopGroup
    let dataDirectory: DataDirectory
    /// Shared by the AMQPS, MQTTS and HTTPS listeners; nil when `[main] tls_cert` is not set.
    private let tls: TLSContext?
    /// The broker of a single node.
    private var services: BrokerServices?
    /// The cluster node's role, with `[clustering] enabled`.
    private var cluster: ClusterRole?
    private let logger = Logger(label: "gateway")

    init(configuration: GatewayConfiguration, warnings: [String]) throws(StartupError) {
        self.configuration = configuration
        Logger.setLevel(Self.severity(configuration.main.logLevel))
        for w in warnings { logger.warning(w) }
        // Signals are handled by `runUntilSignalled` on the main thread; block them before any loop thread
        // starts so every thread inherits the mask.
        Self.blockSignals()
        if let files = FileDescriptorLimit.raiseToHardLimit() {
            logger.info(
                "open file limit \(files): room for about \(files - min(files, FileDescriptorLimit.reserved)) client "
                    + "connections")
        } else {
            logger.warning("cannot read the open file limit (RLIMIT_NOFILE); connections may be refused early")
        }
        tls = try Self.makeTLSContext(configuration.main)
        let dataDir = configuration.main.dataDir
        do { dataDirectory = try DataDirectory(path: dataDir) } catch {
            throw StartupError("cannot use data directory \(dataDir): \(error)")
        }
        let threads =
            configuration.main.ioThreads > 0
            ? configuration.main.ioThreads
            : MainSection.defaultIOThreads(cores: Int(max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
        do { group = try EventLoopGroup(threads: threads) } catch {
            throw StartupError("cannot start event loops: \(error)")
        }
        if configuration.clustering.enabled {
            do {
                cluster = try ClusterRole(configuration, group: group, tls: tls, dataDirectory: dataDirectory)
            } catch {
                group.shutdown()
                throw error
            }
        } else {
            do {
                let services = try BrokerServices(
                    configuration: configuration, group: group, tls: tls, dataDirectory: dataDirectory)
                self.services = services
                try services.openListeners()
            } catch {
                services?.closeConnections()
                group.shutdown()
                services?.stop()
                throw error
            }
        }
        logger.info(
            "gateway \(GatewayVersion.current) started, \(threads) I/O thread(s), data in \(configuration.main.dataDir)"
        )
    }

    /// Blocks until SIGTERM or SIGINT (reloading TLS on SIGHUP meanwhile), then closes every connection gracefully (320 CONNECTION_FORCED) and stops.
    func runUntilSignalled() {
        var set = Self.signalSet()
        var signal: Int32 = 0
        while true {
            guard sigwait(&set, &signal) == 0 else { continue }
            if signal == SIGTERM || signal == SIGINT { break }
            if signal == SIGHUP { reloadTLS() }
        }
        logger.info("received \(signal == SIGTERM ? "SIGTERM" : "SIGINT"), shutting down")
        let running = cluster?.stop() ?? services
        running?.closeConnections()
        group.shutdown()
        running?.stop()
        dataDirectory.close()
        logger.info("stopped")
    }

    /// SIGHUP: re-reads the TLS certificate and key for new connections; established ones keep theirs, and on error
    /// the current certificate stays in use.
    private func reloadTLS() {
        guard let tls else {
            logger.info("received SIGHUP; TLS is not configured, nothing to reload")
            return
        }
        do throws(TLSError) {
            try tls.reload()
            logger.info("received SIGHUP, reloaded TLS certificate \(tls.configuration.certificateChainPath)")
        } catch {
            logger.error("received SIGHUP, TLS reload failed, keeping the current certificate: \(error)")
        }
    }

    /// The TLS context from `[main] tls_*`, or nil when `tls_cert` is not set (then no TLS listener starts).
    private static func makeTLSContext(_ main: MainSection) throws(StartupError) -> TLSContext? {
        guard let certificate = main.tlsCert else { return nil }
        var tls = TLSConfiguration(certificateChainPath: certificate, privateKeyPath: main.tlsKey)
        tls.minimumVersion = main.tlsMinVersion
        tls.ciphers = main.tlsCiphers
        tls.verifyPeer = main.tlsVerifyPeer
        tls.caCertificatePath = main.tlsCaCert
        do throws(TLSError) {
            return try TLSContext(configuration: tls)
        } catch {
            throw StartupError("cannot enable TLS: \(error)")
        }
    }

    private static func signalSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGHUP)
        return set
    }

    private static func blockSignals() {
        var set = signalSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    private static func severity(_ level: LogLevel) -> LogSeverity {
        switch level {
        case .debug: .debug
        case .info: .info
        case .warning: .warning
        case .error: .error
        }
    }
}

extension Listener {
    /// A listener bound at `address` speaking `protocolName`.
    init(_ address: SocketAddress, _ protocolName: String) {
        self.init(protocolName: protocolName, address: address.host, port: address.port)
    }
}
