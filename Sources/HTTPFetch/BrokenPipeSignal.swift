import Glibc

/// Keeps `SIGPIPE` from killing the process while a fetch writes to a socket the server has closed.
///
/// Plain writes use `MSG_NOSIGNAL`, but OpenSSL writes with `write(2)`, which raises `SIGPIPE`. The signal is blocked
/// on the calling thread for the duration of the fetch and a `SIGPIPE` raised meanwhile is taken off the thread's
/// pending set before the old mask returns, so callers need not ignore `SIGPIPE` process-wide.
enum BrokenPipeSignal {
    static func suppressed<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        var pipe = sigset_t()
        sigemptyset(&pipe)
        sigaddset(&pipe, SIGPIPE)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipe, &previous)
        var pending = sigset_t()
        sigpending(&pending)
        let pendingBefore = sigismember(&pending, SIGPIPE) == 1
        defer {
            sigpending(&pending)
            if !pendingBefore && sigismember(&pending, SIGPIPE) == 1 {
                var now = timespec()
                _ = sigtimedwait(&pipe, nil, &now)
            }
            pthread_sigmask(SIG_SETMASK, &previous, nil)
        }
        return try body()
    }
}
