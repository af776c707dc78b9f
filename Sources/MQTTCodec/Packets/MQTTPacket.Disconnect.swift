extension MQTTPacket {
    /// DISCONNECT: the client ends the connection cleanly, so its will is discarded (MQTT 3.1.1 §3.14).
    ///
    /// Empty in MQTT 3.x; a struct rather than a bare case because MQTT 5 gives DISCONNECT a reason code and
    /// properties, sent by either side.
    public struct Disconnect: Sendable, Equatable {
        public init() {}
    }
}
