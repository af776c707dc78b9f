import AMQPValues

@testable import AMQPModel

extension FieldValue {
    /// The string of a long string value, for assertions.
    var text: String? {
        if case .longString(let b) = self { return String(decoding: b, as: UTF8.self) }
        return nil
    }
}
