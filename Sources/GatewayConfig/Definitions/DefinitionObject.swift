import JSON

/// One JSON object of a definitions file together with its path (`users[2]`), so that every accessor can say
/// exactly which field is missing or has the wrong type.
struct DefinitionObject {
    /// The file name (or other source) used as the message prefix.
    let source: String
    /// Where the object is, e.g. `queues[0]`.
    let path: String
    let fields: [String: JSONValue]

    /// A string field that must be present.
    func requiredString(_ key: String) throws(ConfigError) -> String {
        guard let value = fields[key] else { throw error("missing \"\(key)\"") }
        guard case .string(let text) = value else { throw typeError(key, expected: "a string", found: value) }
        return text
    }

    /// A string field that may be absent or null.
    func optionalString(_ key: String) throws(ConfigError) -> String? {
        switch fields[key] {
        case nil, .null: return nil
        case .string(let text): return text
        case let value?: throw typeError(key, expected: "a string", found: value)
        }
    }

    /// A boolean field; absent or null means `defaultValue`.
    func bool(_ key: String, default defaultValue: Bool) throws(ConfigError) -> Bool {
        switch fields[key] {
        case nil, .null: return defaultValue
        case .bool(let flag): return flag
        case let value?: throw typeError(key, expected: "a boolean", found: value)
        }
    }

    /// An object field such as `arguments`; absent or null means empty.
    func table(_ key: String) throws(ConfigError) -> [String: JSONValue] {
        switch fields[key] {
        case nil, .null: return [:]
        case .table(let table): return table
        case let value?: throw typeError(key, expected: "an object", found: value)
        }
    }

    /// A list of strings written either as a comma-separated string or an array of strings (RabbitMQ's `tags` has
    /// been both); items are trimmed and empty ones dropped. Absent or null means empty.
    func stringList(_ key: String) throws(ConfigError) -> [String] {
        switch fields[key] {
        case nil, .null:
            return []
        case .string(let text):
            return text.split(separator: ",").map(\.trimmed).filter { !$0.isEmpty }
        case .array(let elements):
            var items: [String] = []
            for (position, element) in elements.enumerated() {
                guard case .string(let text) = element else {
                    throw ConfigError(
                        "\(source): \(path).\(key)[\(position)]: expected a string, found \(element.kindDescription)")
                }
                items.append(text)
            }
            return items
        case let value?:
            throw typeError(key, expected: "a string or an array of strings", found: value)
        }
    }

    /// An error about this object.
    func error(_ reason: String) -> ConfigError {
        ConfigError("\(source): \(path): \(reason)")
    }

    private func typeError(_ key: String, expected: String, found value: JSONValue) -> ConfigError {
        ConfigError("\(source): \(path).\(key): expected \(expected), found \(value.kindDescription)")
    }
}
