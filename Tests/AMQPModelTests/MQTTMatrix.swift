import Testing

/// Filter/topic pairs from MQTT 3.1.1 §4.7 and its non-normative examples, shared by the `MQTTTopicFilter`
/// matcher tests and the `mqtt` exchange routing tests, so both implementations agree.
enum MQTTMatrix {
    struct Row: Sendable, CustomTestStringConvertible {
        var filter: String
        var topic: String
        var matches: Bool
        var testDescription: String { "\(filter) \(matches ? "matches" : "does not match") \(topic.isEmpty ? "\"\"" : topic)" }
    }

    static let rows: [Row] = [
        ("sport/tennis/player1/#", "sport/tennis/player1", true),
        ("sport/tennis/player1/#", "sport/tennis/player1/ranking", true),
        ("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true),
        ("sport/#", "sport", true),
        ("a/#", "a", true),
        ("a/#", "a/", true),
        ("a/#", "ab", false),
        ("a/#", "b/a", false),
        ("#", "a", true),
        ("#", "/", true),
        ("#", "a/b/c", true),
        ("sport/tennis/+", "sport/tennis/player1", true),
        ("sport/tennis/+", "sport/tennis/player2", true),
        ("sport/tennis/+", "sport/tennis/player1/ranking", false),
        ("sport/+", "sport", false),
        ("sport/+", "sport/", true),
        ("+", "a", true),
        ("+", "", true),
        ("+", "a/b", false),
        ("+", "/", false),
        ("+/+", "/finance", true),
        ("/+", "/finance", true),
        ("+", "/finance", false),
        ("+/+", "/", true),
        ("a//b", "a//b", true),
        ("a/+/b", "a//b", true),
        ("a/+/b", "a/b", false),
        ("+/tennis/#", "sport/tennis", true),
        ("a/b", "a/b", true),
        ("a/b", "a/b/", false),
        ("a/b/", "a/b", false),
        ("a/b", "A/b", false),
        ("a/+/#", "a/x", true),
        ("a/+/#", "a", false),
        ("#", "$SYS/x", false),
        ("+/x", "$SYS/x", false),
        ("+", "$SYS", false),
        ("$SYS/#", "$SYS/x", true),
        ("$SYS/#", "$SYS", true),
        ("$SYS/+", "$SYS/x", true),
        ("$SYS/monitor/+", "$SYS/monitor/Clients", true),
        ("a/$x", "a/$x", true),
        ("+/$x", "a/$x", true),
    ].map { Row(filter: $0.0, topic: $0.1, matches: $0.2) }
}
