import CLinux
import Glibc
import Locks
import Synchronization

/// One thread running an epoll loop; it owns every connection registered with it for the connection's whole life,
/// so connection state needs no locks.
///
/// A loop turn is: wait for events (not at all when work is queued) → handle each ready fd (reads, accepts,
/// timers, the cross-thread inbox) → run tasks `execute`d on the loop → run `runAtEndOfTurn` bodies → flush every
/// connection written to during the turn → deliver hand-offs to other loops (`handOff`). The turn's clock (`now`)
/// is read once, when first asked for.
///
/// **Borrowing.** A loop parked in `epoll_wait` owns no running code, so another loop's thread may run work for
/// it directly instead of waking it: `handOff` from loop A to a parked loop B runs the task on A's thread, with
/// B borrowed (B's `inEventLoop` is true on A's thread meanwhile), then runs B's end-of-turn work and flushes B's
/// connections. At low message rates this saves one thread wake-up and two context switches per message
/// crossing loops, which cost more CPU than everything else a message does. `ownership` arbitrates: B's own
/// thread takes it back after `epoll_wait` returns and sleeps while a borrower still holds it.
///
/// Only `execute`, `handOff`, `inEventLoop` and `now` may be used from other threads. Modelled on SwiftNIO's
/// `SelectableEventLoop`, without pipeline or futures.
public final class EventLoop: @unchecked Sendable {
    /// Tasks submitted from other threads, and whether the loop still accepts them.
    private struct Inbox {
        var tasks: [LoopWork] = []
        var closed = false
    }

    /// Bytes read from a socket per `read` call; one buffer per loop, allocated once.
    static let readScratchSize = 64 * 1024

    let index: Int
    private let selector: Selector
    private let wakeupFD: Int32
    private let timerFD: Int32
    private let threadID = Atomic<UInt>(0)
    private let inbox = Lock(Inbox())
    /// Who runs this loop's code now (see "Borrowing" above).
    private let ownership = LoopOwnership()
    /// The loop thread's own id, kept while a borrower's id is in `threadID`.
    private var ownThreadID: pthread_t = 0

    // Loop-thread state below.
    let readScratch: UnsafeMutableRawBufferPointer
    private var drainedInbox: [LoopWork] = []
    private var runQueue: [LoopWork] = []
    private var runningQueue: [LoopWork] = []
    private var endOfTurn: [LoopWork] = []
    private var runningEndOfTurn: [LoopWork] = []
    private var dirty: [TCPConnection] = []
    /// Written to only with `TCPConnection.write(last: true)`: flushed after `dirty`.
    private var dirtyLast: [TCPConnection] = []
    private var flushing: [TCPConnection] = []
    /// Work for other loops collected during this turn by `handOff`, delivered at its end: one bucket per loop
    /// ever handed to, kept (with its capacity) for the loop's life.
    private var handOffBuckets: [HandOffBucket] = []
    private var handOffsPending = false
    private var deliveringHandOffs: [LoopWork] = []
    private var timers = TimerQueue()
    /// Absolute deadline the timerfd is armed for; 0 when disarmed.
    private var armedDeadline: UInt64 = 0
    /// Indexed by fd.
    /// Indexed by fd: the owners the loop keeps alive while registered.
    private var registrations: [Registration?] = []
    /// Owners deregistered this turn, kept alive until its end (their events may still be in the batch).
    private var retired: [Registration.Owner] = []
    private var nextRegistrationID: UInt32 = 1
    private var running = true
    /// `now`'s reading for this turn, valid while `clockIsCurrent`.
    private var clockReading: UInt64 = 0
    private var clockIsCurrent = false

    init(index: Int) throws(TransportError) {
        self.index = index
        selector = try Selector()
        wakeupFD = Int32(try SystemCall.retrying("eventfd") { Int(gw_eventfd_create()) })
        do {
            timerFD = Int32(try SystemCall.retrying("timerfd_create") { Int(gw_timerfd_create()) })
        } catch {
            _ = Glibc.close(wakeupFD)
            throw error
        }
        readScratch = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.readScratchSize, alignment: 16)
        do {
            try selector.add(fd: wakeupFD, token: Registration.Owner.wakeupToken, interest: gw_epollin)
            try selector.add(fd: timerFD, token: Registration.Owner.timerToken, interest: gw_epollin)
        } catch {
            readScratch.deallocate()
            _ = Glibc.close(wakeupFD)
            _ = Glibc.close(timerFD)
            throw error
        }
    }

    deinit {
        readScratch.deallocate()
        _ = Glibc.close(wakeupFD)
        _ = Glibc.close(timerFD)
    }

    // MARK: - Public API

    /// True when called on this loop's thread.
    public var inEventLoop: Bool {
        threadID.load(ordering: .relaxed) == pthread_self()
    }

    /// Runs `task` on the loop thread, after tasks submitted earlier from the same thread. Callable from any thread.
    ///
    /// From another thread the task goes into a locked inbox; the loop is woken through its eventfd only when the
    /// inbox goes from empty to non-empty (a non-empty inbox already has a wake-up pending). On the loop thread the
    /// task is appended to the run queue and runs later in the current turn. Tasks submitted after
    /// `EventLoopGroup.shutdown()` finished are dropped.
    public func execute(_ task: @escaping @Sendable () -> Void) {
        submit(.closure(task))
    }

    /// Runs `task.runLoopTask(.executed)` on the loop thread, like `execute(_:)` with a closure, without allocating
    /// one. Callable from any thread.
    public func execute(_ task: any LoopTask) {
        submit(.task(task, .executed))
    }

    private func submit(_ work: LoopWork) {
        if inEventLoop {
            runQueue.append(work)
            return
        }
        let wake = inbox.withLock { inbox -> Bool in
            guard !inbox.closed else { return false }
            inbox.tasks.append(work)
            return inbox.tasks.count == 1
        }
        if wake { _ = gw_eventfd_signal(wakeupFD) }
    }

    /// Runs `task.runLoopTask(.handedOff(argument))` on this loop, like `execute`, for a caller that may be another
    /// loop's thread and is happy to have it run at the end of its own turn: there the work a turn handed to this
    /// loop runs at once on the caller's thread if this loop is parked (borrowing it, no wake-up), else goes through
    /// the inbox together (one lock, at most one wake-up). From a thread that is no loop's, the same as `execute`.
    /// Allocates nothing.
    public func handOff(_ task: any LoopTask, _ argument: any AnyObject & Sendable) {
        let work = LoopWork.task(task, .handedOff(argument))
        if inEventLoop {
            runQueue.append(work)
            return
        }
        guard let caller = EventLoop.current, caller !== self, caller.inEventLoop else {
            submit(work)
            return
        }
        caller.handOffsPending = true
        for bucket in caller.handOffBuckets where bucket.loop === self {
            bucket.work.append(work)
            return
        }
        caller.handOffBuckets.append(HandOffBucket(loop: self, work: work))
    }

    /// The work one loop's turn hands to another loop.
    private final class HandOffBucket {
        let loop: EventLoop
        var work: [LoopWork]

        init(loop: EventLoop, work: LoopWork) {
            self.loop = loop
            self.work = [work]
        }
    }

    /// Runs `body` on the loop thread once `after` has elapsed (never earlier). Loop thread only.
    ///
    /// Timers with the same deadline fire in scheduling order. One timerfd per loop is armed for the earliest deadline.
    @discardableResult
    public func scheduleTimer(after: Duration, _ body: @escaping () -> Void) -> TimerID {
        precondition(inEventLoop, "EventLoop.scheduleTimer called off the loop thread")
        let (seconds, attoseconds) = after.components
        // Negative delays fire on the next timer pass; absurdly long ones are capped at ~272 years to avoid overflow.
        let delay =
            seconds < 0 ? 0 : min(UInt64(seconds), 1 << 33) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
        let deadline = gw_monotonic_ns() &+ delay
        let id = timers.schedule(deadline: deadline, body)
        if armedDeadline == 0 || deadline < armedDeadline { armTimer(deadline) }
        return id
    }

    /// Cancels a timer that has not fired; cancelling a fired or unknown timer does nothing. Loop thread only.
    public func cancelTimer(_ id: TimerID) {
        precondition(inEventLoop, "EventLoop.cancelTimer called off the loop thread")
        timers.cancel(id)
    }

    /// CLOCK_MONOTONIC in nanoseconds, read once per loop turn, at the turn's first use: all of a turn's work sees
    /// one instant, and a turn that needs no time reads no clock (after a wake-up that read is a cache miss or two).
    /// On another thread, a fresh reading.
    public var now: UInt64 {
        guard inEventLoop else { return gw_monotonic_ns() }
        if !clockIsCurrent {
            clockReading = gw_monotonic_ns()
            clockIsCurrent = true
        }
        return clockReading
    }

    /// Runs `body` once at the end of the current turn: after every event and queued task of the turn was handled,
    /// before pending writes are flushed. Bodies registered while end-of-turn bodies run belong to the next turn.
    /// Loop thread only.
    public func runAtEndOfTurn(_ body: @escaping () -> Void) {
        precondition(inEventLoop, "EventLoop.runAtEndOfTurn called off the loop thread")
        endOfTurn.append(.closure(body))
    }

    /// Runs `task.runLoopTask(.endOfTurn)` once at the end of the current turn, like `runAtEndOfTurn(_:)` with a
    /// closure, without allocating one. Loop thread only.
    public func runAtEndOfTurn(_ task: any LoopTask) {
        precondition(inEventLoop, "EventLoop.runAtEndOfTurn called off the loop thread")
        endOfTurn.append(.task(task, .endOfTurn))
    }

    // MARK: - Thread

    /// Starts the loop thread (`gw-loop-<index>`); it runs until `requestStop`.
    func startThread() throws(TransportError) -> NamedThread {
        do {
            return try NamedThread(name: "gw-loop-\(index)") { [self] in run() }
        } catch {
            throw TransportError(errno: error.errno, operation: "pthread_create for event loop \(index)")
        }
    }

    /// Asks the loop to finish after the tasks already in its inbox.
    func requestStop() {
        execute { [self] in running = false }
    }

    func run() {
        ownThreadID = pthread_self()
        threadID.store(ownThreadID, ordering: .relaxed)
        EventLoop.setCurrent(self)
        while running {
            turn()
        }
        finish()
        EventLoop.setCurrent(nil)
        threadID.store(0, ordering: .relaxed)
    }

    private func turn() {
        let timeout: Int32 = runQueue.isEmpty && endOfTurn.isEmpty ? -1 : 0
        let count: Int
        if timeout != 0 { ownership.park() }
        do {
            count = try selector.wait(timeoutMilliseconds: timeout)
        } catch {
            fatalError("event loop \(index): \(error)")
        }
        if timeout != 0 { ownership.reclaim() }
        clockIsCurrent = false
        for i in 0..<count {
            let (events, token) = selector.event(i)
            handle(events: events, token: token)
        }
        runTasks()
        runEndOfTurn()
        flushDirty()
        deliverHandOffs()
        if !retired.isEmpty { retired.removeAll(keepingCapacity: true) }
    }

    /// True while the loop's thread is blocked in `epoll_wait` and nobody borrows it.
    var isParked: Bool { ownership.isParked }

    /// Delivers the work this turn handed to other loops: run here with the loop borrowed when it is parked,
    /// else through its inbox. Work they hand off in turn is delivered in the same pass.
    private func deliverHandOffs() {
        while handOffsPending {
            handOffsPending = false
            for bucket in handOffBuckets where !bucket.work.isEmpty {
                swap(&bucket.work, &deliveringHandOffs)
                if !bucket.loop.runBorrowed(deliveringHandOffs) {
                    bucket.loop.execute(contentsOf: deliveringHandOffs)
                }
                deliveringHandOffs.removeAll(keepingCapacity: true)
            }
        }
    }

    /// If this loop is parked, runs `tasks` and the work they cause (its end-of-turn bodies, its flushes) on the
    /// calling thread, then parks it again; false, doing nothing, when it is not parked. This is a turn of its own
    /// for `now`.
    private func runBorrowed(_ tasks: [LoopWork]) -> Bool {
        guard ownership.borrow() else { return false }
        threadID.store(pthread_self(), ordering: .relaxed)
        clockIsCurrent = false
        runQueue.append(contentsOf: tasks)
        while !runQueue.isEmpty || !endOfTurn.isEmpty || !dirty.isEmpty || !dirtyLast.isEmpty {
            runTasks()
            runEndOfTurn()
            flushDirty()
        }
        threadID.store(ownThreadID, ordering: .relaxed)
        ownership.giveBack()
        return true
    }

    /// `execute` for several tasks: one inbox lock, at most one wake-up.
    private func execute(contentsOf tasks: [LoopWork]) {
        let wake = inbox.withLock { inbox -> Bool in
            guard !inbox.closed else { return false }
            let wasEmpty = inbox.tasks.isEmpty
            inbox.tasks.append(contentsOf: tasks)
            return wasEmpty
        }
        if wake { _ = gw_eventfd_signal(wakeupFD) }
    }

    private func handle(events: UInt32, token: UInt64) {
        switch token {
        case Registration.Owner.wakeupToken: drainInbox()
        case Registration.Owner.timerToken: fireTimers()
        default: Registration.Owner.dispatch(token: token, events: events)
        }
    }

    /// Reads the eventfd before taking the tasks, so a wake-up written after the swap is never lost.
    private func drainInbox() {
        _ = gw_eventfd_drain(wakeupFD)
        inbox.withLock { swap(&$0.tasks, &drainedInbox) }
        for work in drainedInbox { work.run() }
        drainedInbox.removeAll(keepingCapacity: true)
    }

    /// Runs the tasks queued so far; tasks they queue run in the next turn (which then does not block).
    private func runTasks() {
        guard !runQueue.isEmpty else { return }
        swap(&runQueue, &runningQueue)
        for work in runningQueue { work.run() }
        runningQueue.removeAll(keepingCapacity: true)
    }

    private func runEndOfTurn() {
        guard !endOfTurn.isEmpty else { return }
        swap(&endOfTurn, &runningEndOfTurn)
        for work in runningEndOfTurn { work.run() }
        runningEndOfTurn.removeAll(keepingCapacity: true)
    }

    /// Flushes every connection written to this turn, those written to only with `write(last: true)` after the
    /// others; writes made by writability callbacks are flushed too.
    private func flushDirty() {
        while !dirty.isEmpty || !dirtyLast.isEmpty {
            if dirty.isEmpty { swap(&dirty, &dirtyLast) }
            swap(&dirty, &flushing)
            for connection in flushing { connection.flushAtEndOfTurn() }
            flushing.removeAll(keepingCapacity: true)
        }
    }

    // MARK: - Timers

    private func armTimer(_ deadline: UInt64) {
        armedDeadline = max(deadline, 1)
        _ = gw_timerfd_arm(timerFD, armedDeadline)
    }

    private func fireTimers() {
        _ = gw_timerfd_drain(timerFD)
        armedDeadline = 0
        let now = gw_monotonic_ns()
        while let body = timers.popDue(now: now) { body() }
        if let next = timers.earliestDeadline(), armedDeadline == 0 || next < armedDeadline { armTimer(next) }
    }

    // MARK: - Registrations (loop thread)

    func register(_ owner: Registration.Owner, fd: Int32, interest: UInt32) throws(TransportError) -> UInt32 {
        let id = nextRegistrationID
        nextRegistrationID = nextRegistrationID == UInt32.max ? 1 : nextRegistrationID + 1
        try selector.add(fd: fd, token: owner.token, interest: interest)
        let slot = Int(fd)
        if slot >= registrations.count {
            registrations.append(contentsOf: repeatElement(nil, count: slot - registrations.count + 1))
        }
        registrations[slot] = Registration(id: id, owner: owner)
        return id
    }

    func modify(fd: Int32, id: UInt32, interest: UInt32) throws(TransportError) {
        guard Int(fd) < registrations.count, let registration = registrations[Int(fd)], registration.id == id else {
            throw TransportError(errno: ENOENT, operation: "epoll_ctl modify fd \(fd)")
        }
        try selector.modify(fd: fd, token: registration.owner.token, interest: interest)
    }

    /// Removes `fd` from the selector and the registry; call before closing the fd. The owner stays alive until the
    /// end of the turn.
    func deregister(fd: Int32) {
        selector.remove(fd: fd)
        guard Int(fd) < registrations.count, let registration = registrations[Int(fd)] else { return }
        retired.append(registration.owner)
        registrations[Int(fd)] = nil
    }

    /// Queues `connection` for the end-of-turn flush; with `last`, after the connections queued without it.
    func markDirty(_ connection: TCPConnection, last: Bool) {
        if last { dirtyLast.append(connection) } else { dirty.append(connection) }
    }

    /// Queues work for later in this turn without the `@Sendable` requirement of `execute` (loop thread only).
    func enqueue(_ task: @escaping () -> Void) {
        runQueue.append(.closure(task))
    }

    // MARK: - Shutdown

    /// Runs what is still queued, closes every connection and listener (their handlers see `connectionClosed`),
    /// fails every connect in progress, and drops timers. Tasks submitted after this point are dropped by `execute`.
    private func finish() {
        let late = inbox.withLock { inbox -> [LoopWork] in
            inbox.closed = true
            defer { inbox.tasks = [] }
            return inbox.tasks
        }
        for work in late { work.run() }
        drainRunQueue()
        for registration in registrations {
            switch registration?.owner {
            case .connection(let connection): connection.abort()
            case .listener(let listener): listener.close()
            case .connector(let connector): connector.abandon()
            case nil: break
            }
        }
        drainRunQueue()
        timers.removeAll()
        retired.removeAll()
        endOfTurn.removeAll()
        dirty.removeAll()
        dirtyLast.removeAll()
        for bucket in handOffBuckets where !bucket.work.isEmpty { bucket.loop.execute(contentsOf: bucket.work) }
        handOffBuckets.removeAll()
    }

    private func drainRunQueue() {
        while !runQueue.isEmpty { runTasks() }
    }
}

extension EventLoop {
    /// The thread-specific slot holding the loop that runs on each loop thread.
    private static let currentKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// The loop whose thread this is; nil on other threads.
    static var current: EventLoop? {
        guard let raw = pthread_getspecific(currentKey) else { return nil }
        return Unmanaged<EventLoop>.fromOpaque(raw).takeUnretainedValue()
    }

    fileprivate static func setCurrent(_ loop: EventLoop?) {
        pthread_setspecific(currentKey, loop.map { Unmanaged.passUnretained($0).toOpaque() })
    }
}
