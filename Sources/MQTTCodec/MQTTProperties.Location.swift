extension MQTTProperties {
    /// Where a property list sits, which decides the properties it may hold: the variable header of a packet, or the
    /// will properties in the CONNECT payload (MQTT 5.0 §2.2.2).
    enum Location: Equatable, CustomStringConvertible {
        case packet(MQTTPacketType)
        case will

        /// "PUBLISH", or "CONNECT will", for error messages.
        var description: String {
            switch self {
            case .packet(let type): type.description
            case .will: "CONNECT will"
            }
        }

        /// The section of MQTT 5.0 that lists the properties of this location and their rules ("[MQTT5 §3.3.2.3]").
        var section: String {
            switch self {
            case .will: "[MQTT5 §3.1.3.2]"
            case .packet(let type):
                switch type {
                case .connect: "[MQTT5 §3.1.2.11]"
                case .connAck: "[MQTT5 §3.2.2.3]"
                case .publish: "[MQTT5 §3.3.2.3]"
                case .pubAck: "[MQTT5 §3.4.2.2]"
                case .pubRec: "[MQTT5 §3.5.2.2]"
                case .pubRel: "[MQTT5 §3.6.2.2]"
                case .pubComp: "[MQTT5 §3.7.2.2]"
                case .subscribe: "[MQTT5 §3.8.2.1]"
                case .subAck: "[MQTT5 §3.9.2.1]"
                case .unsubscribe: "[MQTT5 §3.10.2.1]"
                case .unsubAck: "[MQTT5 §3.11.2.1]"
                case .disconnect: "[MQTT5 §3.14.2.2]"
                case .auth: "[MQTT5 §3.15.2.2]"
                case .pingReq, .pingResp: "[MQTT5 §2.2.2]"
                }
            }
        }
    }
}
