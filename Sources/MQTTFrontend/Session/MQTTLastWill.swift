import MQTTCodec

/// The will of one connection (MQTT 3.1.1 §3.1.2.5): published when the connection ends any way but DISCONNECT
/// [MQTT-3.1.2-8], discarded on DISCONNECT [MQTT-3.14.4-3], never published twice.
struct MQTTLastWill {
    /// Boxed: most clients have no will, and a connection then carries one word for it.
    private final class Box {
        let will: MQTTPacket.Connect.Will

        init(_ will: MQTTPacket.Connect.Will) { self.will = will }
    }

    private var box: Box?

    /// The will CONNECT carried, if any.
    init(_ will: MQTTPacket.Connect.Will? = nil) {
        box = will.map(Box.init)
    }

    /// True while a will would be published at the end.
    var isArmed: Bool { box != nil }

    /// DISCONNECT, or a broker shutdown: the will is discarded.
    mutating func discard() {
        box = nil
    }

    /// The connection ended: the will to publish, once.
    mutating func connectionEnded() -> MQTTPacket.Connect.Will? {
        defer { box = nil }
        return box?.will
    }
}
