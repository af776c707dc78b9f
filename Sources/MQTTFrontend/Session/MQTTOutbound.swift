/// What a message sent to an MQTT client comes from: a queue entry, which remembers its packet id so a
/// redelivery after reconnect reuses it.
protocol MQTTOutboundEntry {
    /// The packet id it was last sent with (0: never sent at QoS 1 or 2).
    var packetID: UInt16 { get set }
    /// True when it was sent before and not acknowledged.
    var redelivered: Bool { get }
}

/// The QoS 1 and 2 messages sent to one client and not yet acknowledged (MQTT 3.1.1 §4.3, §4.4), as a state
/// machine over packet identifiers: sends and the client's PUBACK / PUBREC / PUBCOMP in, what to settle out.
///
/// `Entry` is what a message came from (the queue entry); a retained message replayed on subscribe has none, so
/// nothing is settled for it. QoS 1 is settled on PUBACK; QoS 2 on PUBREC, its packet id staying in use until
/// PUBCOMP. A message redelivered after a reconnect goes out with DUP=1 and its old packet id when that is free.
struct MQTTOutbound<Entry: MQTTOutboundEntry> {
    /// One message in flight.
    struct Inflight {
        /// The source to settle, or nil (retained replay, or a PUBREL resent after reconnect).
        var entry: Entry?
        let qos: UInt8
        /// QoS 2: PUBREC received and PUBREL sent; waiting for PUBCOMP.
        var released = false
    }

    /// How to send one message.
    enum Send: Equatable {
        /// QoS 0: write it and settle it now.
        case atMostOnce
        /// QoS 1 or 2 under `packetId`; `dup` when it is a redelivery with its earlier id [MQTT-3.3.1-1].
        case publish(packetId: UInt16, dup: Bool)
        /// Every packet id is in use: the message cannot be sent and is settled (dropped).
        case noPacketId
    }

    /// What the client's PUBREC means.
    enum PubRec {
        /// Not a QoS 2 message in flight: ignored.
        case unknown
        /// Answer with PUBREL; `delivered` is the source to settle now (nil when already settled or none).
        case release(delivered: Entry?)
    }

    private(set) var inflight: [UInt16: Inflight] = [:]
    private var nextPacketId: UInt16 = 1

    /// Messages in flight.
    var count: Int { inflight.count }

    /// Assigns a packet id to `entry` going out at `qos` (already the minimum of publish and subscription QoS). A
    /// redelivered entry reuses its earlier packet id when no other message holds it.
    mutating func send(_ entry: Entry, qos: UInt8) -> Send {
        guard qos > 0 else { return .atMostOnce }
        let previous = entry.packetID
        let reuse = entry.redelivered && previous != 0 && inflight[previous] == nil
        guard let id = reuse ? previous : allocatePacketId() else { return .noPacketId }
        var e = entry
        e.packetID = id
        inflight[id] = Inflight(entry: e, qos: qos)
        return .publish(packetId: id, dup: reuse)
    }

    /// Assigns a packet id to a retained message replayed on subscribe: nothing to settle when it is acknowledged.
    mutating func sendRetained(qos: UInt8) -> Send {
        guard qos > 0 else { return .atMostOnce }
        guard let id = allocatePacketId() else { return .noPacketId }
        inflight[id] = Inflight(entry: nil, qos: qos)
        return .publish(packetId: id, dup: false)
    }

    /// PUBACK: the source of the QoS 1 message `id` to settle, or nil (unknown id, or nothing to settle).
    mutating func pubAck(_ id: UInt16) -> Entry? {
        guard let f = inflight[id], f.qos == 1 else { return nil }
        inflight[id] = nil
        return f.entry
    }

    /// PUBREC: the client has the QoS 2 message `id`; it counts as delivered, and the id stays in use until
    /// PUBCOMP. A repeated PUBREC is answered with PUBREL again but settles nothing.
    mutating func pubRec(_ id: UInt16) -> PubRec {
        guard var f = inflight[id], f.qos == 2 else { return .unknown }
        guard !f.released else { return .release(delivered: nil) }
        f.released = true
        let delivered = f.entry
        inflight[id] = f
        return .release(delivered: delivered)
    }

    /// PUBCOMP: frees the packet id of a released QoS 2 message. True when that message came from the queue (its
    /// prefetch credit comes back); false for an unknown id or one with no source.
    mutating func pubComp(_ id: UInt16) -> Bool {
        guard let f = inflight[id], f.released else { return false }
        inflight[id] = nil
        return f.entry != nil
    }

    /// The connection ended: returns the unacknowledged sources (to requeue; they go out again with DUP=1) and
    /// the packet ids of released QoS 2 messages (PUBREL is resent for them on reconnect), sorted, and forgets
    /// everything.
    mutating func end() -> (unacknowledged: [Entry], released: [UInt16]) {
        var unacknowledged: [Entry] = []
        var released: [UInt16] = []
        for (id, f) in inflight {
            if f.released {
                released.append(id)
            } else if let e = f.entry {
                unacknowledged.append(e)
            }
        }
        inflight.removeAll()
        return (unacknowledged, released.sorted())
    }

    /// A session resumes with QoS 2 messages released before the previous connection ended: their ids are in use
    /// again until PUBCOMP. Returns the ids to send PUBREL for, in order [MQTT-4.4.0-1].
    mutating func resume(released: [UInt16]) -> [UInt16] {
        for id in released { inflight[id] = Inflight(entry: nil, qos: 2, released: true) }
        return released
    }

    /// The next free packet identifier (1...65535), or nil when all are in flight.
    private mutating func allocatePacketId() -> UInt16? {
        guard inflight.count < Int(UInt16.max) else { return nil }
        while true {
            let id = nextPacketId
            nextPacketId = id == UInt16.max ? 1 : id + 1
            if inflight[id] == nil { return id }
        }
    }
}
