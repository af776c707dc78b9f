/// Why the broker could not start: a message naming the file, port or setting at fault.
struct StartupError: Error, CustomStringConvertible {
    let message: String

    init(_ message: String) { self.message = message }

    var description: String { message }
}
