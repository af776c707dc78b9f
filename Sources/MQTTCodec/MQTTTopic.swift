import AMQPValues

/// Validation of MQTT topic names and topic filters (MQTT 3.1.1 §4.7, MQTT 5.0 §4.7), as the decoder applies it to
/// PUBLISH, SUBSCRIBE, UNSUBSCRIBE and will topics.
///
/// Works on raw bytes: MQTT compares topics byte for byte, without Unicode normalisation [MQTT-4.7.3-4]. Matching a
/// filter against a topic is routing, and lives in the core (`MQTTTopicFilter`).
public enum MQTTTopic {
    private static let slash = UInt8(ascii: "/")
    private static let plus = UInt8(ascii: "+")
    private static let hash = UInt8(ascii: "#")

    /// True when `t` may be used as the topic of a PUBLISH: at least one byte [MQTT-4.7.3-1], at most
    /// 65535 bytes, valid UTF-8 without U+0000 [MQTT-1.5.3-1, MQTT-1.5.3-2], no wildcard characters [MQTT-3.3.2-2].
    public static func isValidTopicName(_ t: ByteString) -> Bool {
        guard isValidString(t) else { return false }
        return !t.bytes.contains { $0 == plus || $0 == hash }
    }

    /// True when `f` may be used as a subscription filter: at least one byte, at most 65535 bytes, valid UTF-8
    /// without U+0000, `+` only as a whole level [MQTT-4.7.1-3], `#` only as the whole last level [MQTT-4.7.1-2].
    public static func isValidFilter(_ f: ByteString) -> Bool {
        guard isValidString(f) else { return false }
        let b = f.bytes
        for i in b.indices {
            let atLevelStart = i == 0 || b[i - 1] == slash
            let atLevelEnd = i == b.count - 1 || b[i + 1] == slash
            switch b[i] {
            case plus:
                if !(atLevelStart && atLevelEnd) { return false }
            case hash:
                if !(atLevelStart && i == b.count - 1) { return false }
            default:
                break
            }
        }
        return true
    }

    /// Non-empty, at most 65535 bytes, valid UTF-8, no U+0000.
    private static func isValidString(_ s: ByteString) -> Bool {
        !s.isEmpty && s.count <= 65535 && !s.bytes.contains(0) && s.isValidUTF8
    }
}
