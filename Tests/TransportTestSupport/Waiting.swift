import Glibc
import Transport

/// Polls `condition` until it holds or `seconds` pass; returns whether it held. For waiting, never for asserting time.
public func waitUntil(seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    var start = timespec()
    clock_gettime(CLOCK_MONOTONIC, &start)
    while !condition() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        if Double(now.tv_sec - start.tv_sec) + Double(now.tv_nsec - start.tv_nsec) / 1e9 > seconds { return false }
        usleep(1000)
    }
    return true
}

/// Runs `task` on `loop` and waits for it to finish (a barrier: everything the loop was asked to do before has run).
public func runOnLoop(_ loop: EventLoop, _ task: @escaping @Sendable () -> Void) -> Bool {
    let done = Recorder()
    loop.execute {
        task()
        done.record("done")
    }
    return waitUntil { done.contains("done") }
}

/// Box for state shared between handlers that only loop threads touch (tests with a single-thread group).
public final class LoopLocal<Value>: @unchecked Sendable {
    public var value: Value

    public init(_ value: Value) {
        self.value = value
    }
}

/// Starts a POSIX thread running `body`; join it with `pthread_join`.
public func startThread(_ body: @escaping @Sendable () -> Void) -> pthread_t {
    var thread = pthread_t()
    let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    let rc = pthread_create(
        &thread, nil,
        { context in
            Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue().body()
            return nil
        }, context)
    precondition(rc == 0, "pthread_create failed")
    return thread
}

private final class ThreadBody {
    let body: @Sendable () -> Void

    init(_ body: @escaping @Sendable () -> Void) {
        self.body = body
    }
}
