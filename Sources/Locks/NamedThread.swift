import CLinux

#if canImport(Glibc)
    import Glibc
#endif

/// A joinable POSIX thread with a name (`top -H`, `perf` and crash reports show it): the one way the broker and
/// its tools start threads of their own (event loops, the sync thread, load-generator workers).
public struct NamedThread: Sendable {
    /// The `pthread_create` failure, with its errno.
    public struct StartError: Error, Sendable, CustomStringConvertible {
        /// The thread's name.
        public let name: String
        /// What `pthread_create` returned.
        public let errno: Int32

        public var description: String {
            "cannot start thread '\(name)': \(String(cString: strerror(errno))) (errno \(errno))"
        }
    }

    /// The thread's id, for `join`.
    public let id: pthread_t

    /// Starts a thread called `name` (Linux keeps the first 15 bytes) running `body`.
    public init(name: String, _ body: @escaping @Sendable () -> Void) throws(StartError) {
        let box = Unmanaged.passRetained(Body(name: name, body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                let body = Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue()
                _ = gw_set_thread_name(String(decoding: body.name.utf8.prefix(15), as: UTF8.self))
                body.run()
                return nil
            }, box)
        guard rc == 0 else {
            Unmanaged<Body>.fromOpaque(box).release()
            throw StartError(name: name, errno: rc)
        }
        id = thread
    }

    /// Waits for the thread to finish.
    public func join() {
        _ = pthread_join(id, nil)
    }

    /// Lets the thread's resources go when it finishes, for a thread nobody joins.
    public func detach() {
        _ = pthread_detach(id)
    }

    private final class Body: Sendable {
        let name: String
        let run: @Sendable () -> Void

        init(name: String, _ run: @escaping @Sendable () -> Void) {
            self.name = name
            self.run = run
        }
    }
}
