/// The status line and header fields of an HTTP/1.1 response.
struct ResponseHead {
    let status: Int
    /// The reason phrase as sent (control characters and non-ASCII bytes replaced), for messages only.
    let reason: String
    /// Field names lowercased, values without surrounding whitespace, in the order received.
    let fields: [(name: String, value: String)]

    /// Status code and reason phrase, e.g. "404 Not Found".
    var statusText: String { reason.isEmpty ? String(status) : "\(status) \(reason)" }

    /// Every value of the field `name` (lowercase), comma-separated lists split (RFC 9110 §5.3).
    func values(_ name: String) -> [String] {
        fields.filter { $0.name == name }.flatMap { field in
            field.value.split(separator: ",", omittingEmptySubsequences: false).map(Self.trimmed)
        }
    }

    /// The single value of `name`, for fields that are not lists (`Location`).
    func value(_ name: String) -> String? {
        fields.first { $0.name == name }?.value
    }

    private static func trimmed(_ text: Substring) -> String {
        var text = text.drop { $0 == " " || $0 == "\t" }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return String(text)
    }
}
