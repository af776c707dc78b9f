import Locks

#if canImport(Glibc)
    import Glibc
#endif

/// The management plane's own thread (`gw-mgmt`): requests are answered here, off the event loops, so listing ten
/// thousand queues or exporting definitions never delays a message. Jobs run one at a time, in order.
///
/// `@unchecked Sendable`: the job list is behind its lock and the semaphore is thread-safe by design.
final class ManagementWorker: @unchecked Sendable {
    private let jobs = Lock<(queue: [@Sendable () -> Void], stopping: Bool)>(([], false))
    private let wakeup: UnsafeMutablePointer<sem_t>
    private let thread = Lock<NamedThread?>(nil)

    init() throws(NamedThread.StartError) {
        wakeup = .allocate(capacity: 1)
        sem_init(wakeup, 0, 0)
        let started = try NamedThread(name: "gw-mgmt") { [self] in run() }
        thread.withLock { $0 = started }
    }

    private func run() {
        while true {
            while sem_wait(wakeup) != 0 {}
            let next = jobs.withLock { s -> (@Sendable () -> Void)? in
                s.queue.isEmpty ? nil : s.queue.removeFirst()
            }
            if let next {
                next()
            } else if jobs.withLock({ $0.stopping }) {
                return
            }
        }
    }

    deinit {
        sem_destroy(wakeup)
        wakeup.deallocate()
    }

    /// Runs `job` on the management thread after the jobs before it.
    func submit(_ job: @escaping @Sendable () -> Void) {
        let accepted = jobs.withLock { s -> Bool in
            guard !s.stopping else { return false }
            s.queue.append(job)
            return true
        }
        if accepted { sem_post(wakeup) }
    }

    /// Finishes the queued jobs, then stops the thread (broker shutdown).
    func stop() {
        jobs.withLock { $0.stopping = true }
        sem_post(wakeup)
        thread.withLock { $0 }?.join()
    }
}
