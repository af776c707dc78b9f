/// `gatewayperf mqtt connections`: opens N idle MQTT clients, keeps them for a while, and reports how fast
/// the broker accepted them and, given its pid, how much memory each one costs it.
enum MQTTConnectionsCommand: Subcommand {
    static let words = ["mqtt", "connections"]
    static let summary = "N idle MQTT clients; connect time and broker RSS"
    static let usage = """
        usage: gatewayperf mqtt connections [options]

        Opens --count idle MQTT 3.1.1 clients (non-blocking sockets on one epoll thread), at most --concurrency
        of them between TCP connect and CONNACK at a time, holds them open for --hold seconds (PINGREQ after half
        the keepalive), then sends DISCONNECT on each. Reports the time from the first connect to the last
        CONNACK, connects/s, failures with their reasons, and with --pid the broker's resident memory
        (VmRSS of /proc/PID/status) before connecting and at the end of the hold, and the difference per
        connected client.

          --uri URI          mqtt[s]://user:pass@host:port (default mqtt://127.0.0.1:1883, anonymous)
          --host HOST        broker host (overrides --uri)
          --port PORT        broker port (overrides --uri)
          --count N          idle clients (default 10000)
          --rate N           connects started per second, 0 = as fast as --concurrency allows (default 0)
          --concurrency N    most connects in flight at once (default 100: more overflows the listen
                             backlog of mosquitto and RabbitMQ, and dropped SYNs wait 1 s to be resent)
          --keepalive SECONDS keepalive announced in CONNECT (default 60)
          --hold SECONDS     how long to keep the clients open after the last CONNACK (default 10)
          --connect-timeout SECONDS  a client not accepted within this fails (default 10)
          --pid PID          the broker's process id, to report its memory (RSS)
          --clean-session    connect with clean session 1 (default)
          --no-clean-session connect with clean session 0
          --client-prefix P  client ids are P + "idle-N" (default gwperf-<pid>-)
          --json             print one JSON object on stdout instead of the text report
          --protocol 4|5     MQTT 3.1.1 (4, default) or MQTT 5.0 (5)
          --ws               MQTT over WebSocket on the path /mqtt (the port is the broker's WebSocket port)
          --ws-path PATH     MQTT over WebSocket on PATH
          --help             this text
        \(TLSClientOptions.usage)

        With TLS each client makes a full handshake (no session resumption) on the same epoll thread before
        its CONNECT, and the report adds the handshakes per second from the first TCP connect to the last
        completed handshake; the connect time then includes the handshake. The client side costs CPU too:
        on a small machine shared with the broker, both compete for it.

        Each client is a file descriptor: the soft RLIMIT_NOFILE is raised to the hard limit, and a --count
        above it is refused with an explanation. The broker needs as many descriptors on its side.
        Exit codes: 0 done (failures are reported, not fatal), 1 no client connected or the run could not
        start, 2 bad command line.

        """

    /// Descriptors the tool needs besides its clients (stdio, epoll, slack).
    private static let reservedDescriptors = 32

    static func run(arguments: [String]) throws -> Int32 {
        let options = try MQTTConnectionsOptions(arguments: arguments)
        let limit = FileLimit.raiseToHardLimit()
        let needed = options.count + reservedDescriptors
        guard needed <= limit else {
            throw PerfError.io(
                "--count \(options.count) needs about \(needed) file descriptors, but this process may open only "
                    + "\(limit) (the hard RLIMIT_NOFILE, `ulimit -Hn`). Lower --count, or raise the hard limit "
                    + "before starting gatewayperf: as root `ulimit -Hn \(needed)`, `nofile` in "
                    + "/etc/security/limits.conf, or LimitNOFILE= for a systemd service. The broker needs as many "
                    + "descriptors on its side.")
        }
        if let ports = ProcFile.localPortCount(), options.count > ports {
            StandardError.print(
                "gatewayperf: warning: --count \(options.count) exceeds the \(ports) local ports of "
                    + "net.ipv4.ip_local_port_range; connects beyond that fail with EADDRNOTAVAIL")
        }
        var rssBefore: Int?
        if let pid = options.pid {
            guard let rss = ProcFile.residentKiB(pid: pid) else {
                throw PerfError.io("--pid \(pid): cannot read VmRSS from /proc/\(pid)/status (no such process, or not permitted)")
            }
            rssBefore = rss
        }

        let pool = try IdleClientPool(options: options)
        let connectSeconds = pool.connectAll()
        let rssConnected = options.pid.flatMap { ProcFile.residentKiB(pid: $0) }
        pool.hold(until: Nanoseconds.now() + UInt64(options.holdSeconds * 1e9))
        let rssAfter = options.pid.flatMap { ProcFile.residentKiB(pid: $0) }
        pool.closeAll()

        let report = ConnectionsReport(
            options: options, connectSeconds: connectSeconds, connected: pool.connected, failed: pool.failed,
            dropped: pool.dropped, reasons: pool.reasons,
            handshakes: options.uri.tls ? pool.handshakes : nil, handshakeSeconds: pool.handshakeSeconds, rssBefore: rssBefore, rssConnected: rssConnected,
            rssAfter: rssAfter)
        print(options.json ? report.json : report.text)
        return pool.connected > 0 ? 0 : 1
    }
}
