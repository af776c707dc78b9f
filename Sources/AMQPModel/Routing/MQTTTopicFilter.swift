import AMQPValues

/// Matching of MQTT topic filters against topic names (MQTT 3.1.1 §4.7, MQTT 5.0 §4.7): the reference the `mqtt`
/// exchange's trie agrees with, and how retained messages are selected for a new subscription.
///
/// Works on raw bytes: MQTT compares topics byte for byte, without Unicode normalisation [MQTT-4.7.3-4]. Validating
/// names and filters is the MQTT codec's job (`MQTTCodec.MQTTTopic`); the core matches what the frontend hands it.
public enum MQTTTopicFilter {
    private static let slash = UInt8(ascii: "/")
    private static let plus = UInt8(ascii: "+")
    private static let hash = UInt8(ascii: "#")

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
}
