/// One connection of `mqtt connections`: its socket and how far its handshake got. Plain values in one
/// array, so 10 000 clients cost the tool a few hundred KiB and no object each.
struct IdleClient {
    /// Where the client stands.
    enum Phase: UInt8 {
        /// Not opened yet.
        case waiting
        /// Non-blocking TCP connect in progress.
        case connecting
        /// TLS handshake in progress (`--tls` only).
        case handshaking
        /// WebSocket opening handshake sent, its 101 answer not yet (completely) received (`--ws` only).
        case upgrading
        /// CONNECT sent, CONNACK not yet (completely) received.
        case awaitingConnAck
        /// Accepted: idle, sending PINGREQ as the keepalive requires.
        case connected
        /// Never got accepted; its socket is closed.
        case failed
        /// Was connected, then the broker closed it (or the run ended); its socket is closed.
        case closed
    }

    var fd: Int32 = -1
    /// The TLS session over `fd` with `--tls`; freed when the client fails or closes.
    var tls: OpaquePointer?
    var phase = Phase.waiting
    /// When the TCP connect was started (monotonic ns).
    var startedAt: UInt64 = 0
    /// When a packet was last sent (monotonic ns), for PINGREQ.
    var lastSent: UInt64 = 0
    /// The first bytes of a CONNACK that arrived split; empty (no allocation) in the usual case.
    var partial: [UInt8] = []

    /// Whether the client counts against the connects in flight.
    var isInFlight: Bool { phase == .connecting || phase == .handshaking || phase == .awaitingConnAck }
}
