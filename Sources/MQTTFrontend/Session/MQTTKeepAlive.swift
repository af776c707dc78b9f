/// The keepalive rule of one connection (MQTT 3.1.1 §3.1.2.10) on an injected clock: the connection is dead when
/// nothing arrived for 1.5 × keepalive [MQTT-3.1.2-24]. While reading is paused by the broker (resource alarm)
/// the client cannot be heard, so it is not judged.
///
/// An arrival only sets a flag (no clock read per packet); the next check dates it, so with the loop's sweep every
/// 250 ms a deadline moves at most that much later than the arrival itself would have moved it.
struct MQTTKeepAlive {
    private var lastReceived: UInt64
    private var receivedSinceCheck = false
    /// The keepalive in force, seconds (0: none).
    let seconds: UInt16

    /// The keepalive for a client that asked for `requested` seconds, capped by `maximum` (`[mqtt] max_keepalive`),
    /// starting at `now` (nanoseconds of the loop clock). 0 stays 0: no keepalive.
    init(requested: UInt16, maximum: UInt16, now: UInt64) {
        seconds = requested == 0 ? 0 : min(requested, maximum)
        lastReceived = now
    }

    /// Bytes arrived; the next `isExpired` dates them.
    mutating func received() {
        receivedSinceCheck = true
    }

    /// How long nothing has arrived at `now`, in nanoseconds.
    func silence(now: UInt64) -> UInt64 {
        now &- lastReceived
    }

    /// True when the connection is dead at `now`; never while `paused` (the broker does not read from this client).
    /// Bytes that arrived since the previous check count as arrived at `now`.
    mutating func isExpired(now: UInt64, paused: Bool) -> Bool {
        if receivedSinceCheck {
            lastReceived = now
            receivedSinceCheck = false
        }
        return seconds > 0 && !paused && now &- lastReceived > UInt64(seconds) * 1_500_000_000
    }
}
