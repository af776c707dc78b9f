import AMQPModel

/// A message in flight to an MQTT client: its queue entry and which of the connection's consumers it came from
/// (0: the session queue; k: the shared subscription in slot k - 1), so it is settled or requeued there.
struct MQTTDelivery: MQTTOutboundEntry {
    var entry: QueueEntry
    let source: UInt16

    var packetID: UInt16 {
        get { entry.packetID }
        set { entry.packetID = newValue }
    }

    var redelivered: Bool { entry.redelivered }
}
