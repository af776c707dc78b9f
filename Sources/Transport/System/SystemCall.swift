import Glibc

/// The one place where system calls are retried on `EINTR` and where `EAGAIN` becomes `.wouldBlock`.
///
/// Every other errno becomes a `TransportError` whose operation text is built only on failure.
enum SystemCall {
    /// Runs `body` (a call returning -1 and setting errno on failure) until it does not fail with EINTR.
    @inline(__always)
    static func retrying(
        _ operation: @autoclosure () -> String, _ body: () -> Int
    ) throws(TransportError) -> Int {
        while true {
            let result = body()
            if result >= 0 { return result }
            let code = Glibc.errno
            if code == EINTR { continue }
            throw TransportError(errno: code, operation: operation())
        }
    }

    /// Like `retrying`, but `EAGAIN`/`EWOULDBLOCK` is returned as `.wouldBlock` instead of thrown.
    @inline(__always)
    static func nonBlocking(
        _ operation: @autoclosure () -> String, _ body: () -> Int
    ) throws(TransportError) -> IOResult {
        while true {
            let result = body()
            if result >= 0 { return .processed(result) }
            let code = Glibc.errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
            throw TransportError(errno: code, operation: operation())
        }
    }
}
