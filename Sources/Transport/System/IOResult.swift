/// Outcome of a non-blocking system call that did not fail: it either transferred `processed` bytes/items
/// or would have blocked (`EAGAIN`/`EWOULDBLOCK`), which is an ordinary result on a non-blocking socket.
enum IOResult: Equatable {
    case processed(Int)
    case wouldBlock
}
