extension MQTTPacket {
    /// DISCONNECT (MQTT 3.1.1 §3.14, MQTT 5 §3.14): in 3.x the client ends the connection cleanly, so its will is
    /// discarded; in MQTT 5 either side sends it, with a reason code (0x04 keeps the will) and properties.
    public struct Disconnect: Sendable, Equatable {
        /// MQTT 5 only: why (`.success`, normal disconnection, in 3.x).
        public var reasonCode: MQTTReasonCode
        /// MQTT 5 only: session expiry interval, reason string, server reference, user properties.
        public var properties: MQTTProperties

        public init(reasonCode: MQTTReasonCode = .success, properties: MQTTProperties = MQTTProperties()) {
            self.reasonCode = reasonCode
            self.properties = properties
        }
    }
}
