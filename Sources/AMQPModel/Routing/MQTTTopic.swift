/// Validation and matching of MQTT topic names and topic filters (MQTT 3.1.1 §4.7, MQTT 5.0 §4.7).
///
/// Works on raw bytes: MQTT compares topics byte for byte, without Unicode normalisation [MQTT-4.7.3-4].
import AMQPValues

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

    /// True when the topic name `topic` matches the filter `filter`.
    ///
    /// `+` matches exactly one level (possibly empty), `#` the remaining levels including none, so
    /// `sport/#` matches `sport` [MQTT-4.7.1-2]; a topic starting with `$` is not matched by a filter
    /// whose first level is a wildcard [MQTT-4.7.2-1]. Level by level over the bytes, no allocation.
    public static func matches(filter: ByteString, topic: ByteString) -> Bool {
        let f = filter.bytes
        let t = topic.bytes
        if t.first == UInt8(ascii: "$"), let first = f.first, first == plus || first == hash { return false }
        var fi = 0
        var ti = 0
        while true {
            // Both indices are at the start of a level.
            let fEnd = f[fi...].firstIndex(of: slash) ?? f.count
            let isLastFilterLevel = fEnd == f.count
            if isLastFilterLevel && fEnd - fi == 1 && f[fi] == hash { return true }
            let tEnd = t[ti...].firstIndex(of: slash) ?? t.count
            let isPlus = fEnd - fi == 1 && f[fi] == plus
            if !isPlus && !f[fi..<fEnd].elementsEqual(t[ti..<tEnd]) { return false }
            let isLastTopicLevel = tEnd == t.count
            if isLastFilterLevel || isLastTopicLevel {
                if isLastFilterLevel && isLastTopicLevel { return true }
                // Topic exhausted: only a trailing "/#" in the filter can still match (the parent rule).
                if isLastTopicLevel {
                    return f.count - fEnd == 2 && f[fEnd + 1] == hash
                }
                return false
            }
            fi = fEnd + 1
            ti = tEnd + 1
        }
    }

    /// Non-empty, at most 65535 bytes, valid UTF-8, no U+0000.
    private static func isValidString(_ s: ByteString) -> Bool {
        !s.isEmpty && s.count <= 65535 && !s.bytes.contains(0) && s.isValidUTF8
    }
}
