import AMQPValues

/// Validation of MQTT topic names and topic filters (MQTT 3.1.1 §4.7, MQTT 5.0 §4.7, §4.8.2), as the decoder applies
/// it to PUBLISH, SUBSCRIBE, UNSUBSCRIBE and will topics.
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

    /// The prefix of an MQTT 5 shared subscription filter (MQTT 5.0 §4.8.2).
    static let sharedFilterPrefix: [UInt8] = Array("$share/".utf8)

    /// True when `f` starts with `$share/`, which in MQTT 5 makes it a shared subscription (MQTT 5.0 §4.8.2), to
    /// be split with `splitSharedFilter`. MQTT 3.x has no shared subscriptions: there it is an ordinary filter.
    public static func isSharedFilter(_ f: ByteString) -> Bool {
        f.bytes.starts(with: sharedFilterPrefix)
    }

    /// The share name and the topic filter of a shared subscription `$share/{ShareName}/{filter}` (MQTT 5.0 §4.8.2),
    /// or nil when `f` is not a valid one: it starts with `$share/` and a share name of at least one byte
    /// [MQTT-4.8.2-1] without `/`, `+` or `#`, followed by `/` and a topic filter valid per `isValidFilter`
    /// [MQTT-4.8.2-2]. For `$share/group/sport/#` that is ("group", "sport/#").
    public static func splitSharedFilter(_ f: ByteString) -> (shareName: ByteString, filter: ByteString)? {
        guard isSharedFilter(f) else { return nil }
        let rest = f.bytes[sharedFilterPrefix.count...]
        guard let nameEnd = rest.firstIndex(of: slash), nameEnd > rest.startIndex else { return nil }
        let shareName = rest[..<nameEnd]
        guard !shareName.contains(plus) && !shareName.contains(hash) else { return nil }
        let filter = ByteString(Array(rest[(nameEnd + 1)...]))
        guard isValidFilter(filter) else { return nil }
        return (ByteString(Array(shareName)), filter)
    }

    /// Non-empty, at most 65535 bytes, valid UTF-8, no U+0000.
    private static func isValidString(_ s: ByteString) -> Bool {
        !s.isEmpty && s.count <= 65535 && !s.bytes.contains(0) && s.isValidUTF8
    }
}
