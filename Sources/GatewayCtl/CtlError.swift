/// Why `gatewayctl` failed, with its exit code (sysexits, as rabbitmqctl uses them).
struct CtlError: Error, CustomStringConvertible {
    /// 64 usage, 69 broker unreachable, 1 the broker refused the request.
    let exitCode: Int32
    let message: String

    var description: String { message }

    static func usage(_ message: String) -> CtlError { CtlError(exitCode: 64, message: message) }
    static func unavailable(_ message: String) -> CtlError { CtlError(exitCode: 69, message: message) }
    static func refused(_ message: String) -> CtlError { CtlError(exitCode: 1, message: message) }
}
