import AMQPWire

/// The `AMQPWireError` that `body` throws, or nil when it succeeds (or throws anything else),
/// so a test can assert on the reply code and message.
func wireError(_ body: () throws -> Void) -> AMQPWireError? {
    do {
        try body()
        return nil
    } catch {
        return error as? AMQPWireError
    }
}
