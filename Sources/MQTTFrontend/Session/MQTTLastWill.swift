import MQTTCodec

/// The will of one connection (MQTT 3.1.1 §3.1.2.5): published when the connection ends any way but DISCONNECT
/// [MQTT-3.1.2-8], discarded on DISCONNECT [MQTT-3.14.4-3], never published twice.
struct MQTTLastWill {
    private var will: MQTTPacket.Connect.Will?

    /// The will CONNECT carried, if any.
    init(_ will: MQTTPacket.Connect.Will? = nil) {
        self.will = will
    }

    /// True while a will would be published at the end.
    var isArmed: Bool { will != nil }

    /// DISCONNECT, or a broker shutdown: the will is discarded.
    mutating func discard() {
        will = nil
    }

    /// The connection ended: the will to publish, once.
    mutating func connectionEnded() -> MQTTPacket.Connect.Will? {
        defer { will = nil }
        return will
    }
}
