import JSON

/// How `gatewayctl` prints lists: tab-separated with a header line, like rabbitmqctl, or JSON (`--formatter json`).
struct CtlOutput {
    let json: Bool

    /// Prints the `columns` of every object in `value` (an array).
    func table(_ value: JSONValue?, columns: [String]) {
        guard case .array(let items)? = value else { return }
        if json {
            let picked: [JSONValue] = items.map { item in
                guard case .table(let t) = item else { return item }
                return .table(t.filter { columns.contains($0.key) })
            }
            print(Self.text(.array(picked)))
            return
        }
        print(columns.joined(separator: "\t"))
        for item in items {
            guard case .table(let t) = item else { continue }
            print(columns.map { Self.cell(t[$0]) }.joined(separator: "\t"))
        }
    }

    /// Prints one value as JSON.
    func value(_ value: JSONValue) {
        print(Self.text(value))
    }

    static func text(_ value: JSONValue) -> String {
        var writer = JSONWriter(pretty: false)
        writer.value(value)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    private static func cell(_ v: JSONValue?) -> String {
        switch v {
        case nil, .null?: ""
        case .string(let s)?: s
        case .int(let i)?: String(i)
        case .double(let d)?: String(d)
        case .bool(let b)?: b ? "true" : "false"
        case .array(let a)?: "[" + a.map { cell($0) }.joined(separator: ",") + "]"
        case let other?: text(other)
        }
    }
}
