import CLinux

/// Who runs an event loop's code at a given moment: its own thread, nobody (the thread is blocked in `epoll_wait`),
/// or another loop's thread that borrowed it (see "Borrowing" in `EventLoop`).
///
/// The loop's own thread that wakes up while a borrower still holds the loop sleeps on a futex until the borrower
/// gives it back, instead of spinning: on a machine with fewer cores than busy threads the borrower may have been
/// preempted, and a spinning owner would burn the very CPU time the borrower needs to finish.
struct LoopOwnership: ~Copyable {
    private enum State: UInt32 {
        /// The loop's own thread is running a turn (or the loop is not started or has stopped).
        case running
        /// The loop's thread is blocked in `epoll_wait`: another loop may borrow it.
        case parked
        /// Another loop's thread is running work for it.
        case borrowed
        /// Borrowed, and the loop's own thread sleeps until the borrower is done.
        case borrowedOwnerWaiting
    }

    private let word: UnsafeMutablePointer<UInt32>

    init() {
        word = .allocate(capacity: 1)
        word.initialize(to: State.running.rawValue)
    }

    deinit {
        word.deallocate()
    }

    /// True while the loop's thread is blocked in `epoll_wait` and nobody borrows it.
    var isParked: Bool { gw_word_load(word) == State.parked.rawValue }

    /// The owner is about to block in `epoll_wait`: others may borrow the loop from now on.
    func park() {
        gw_word_store(word, State.parked.rawValue)
    }

    /// The owner takes the loop back after `epoll_wait` returned, sleeping while a borrower holds it.
    func reclaim() {
        while gw_word_compare_exchange(word, State.parked.rawValue, State.running.rawValue) == 0 {
            if gw_word_compare_exchange(word, State.borrowed.rawValue, State.borrowedOwnerWaiting.rawValue) != 0
                || gw_word_load(word) == State.borrowedOwnerWaiting.rawValue
            {
                gw_word_wait(word, State.borrowedOwnerWaiting.rawValue)
            }
        }
    }

    /// Takes the loop for the calling thread if it is parked; false, changing nothing, otherwise.
    func borrow() -> Bool {
        gw_word_compare_exchange(word, State.parked.rawValue, State.borrowed.rawValue) != 0
    }

    /// Gives a borrowed loop back (parked again) and wakes its owner if it is waiting for it.
    func giveBack() {
        if gw_word_exchange(word, State.parked.rawValue) == State.borrowedOwnerWaiting.rawValue {
            gw_word_wake(word)
        }
    }
}
