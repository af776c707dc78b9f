import Locks
import Synchronization

/// Which data directories have a `FileChangeObserver` (a cluster leader's): every file operation of the storage layer
/// under such a directory goes through its observer. With none attached (a single node, a follower) the cost of a file
/// operation is one relaxed atomic load.
///
/// The lock file `.lock` at the top of a data directory belongs to the running process and is never reported.
public enum FileChangeFeeds {
    private static let attached = Atomic<Int>(0)
    private static let observers = Lock<[(root: String, observer: any FileChangeObserver)]>([])

    /// Reports every change under `root` (the path every store of that data directory is opened under) to `observer`
    /// from now on, replacing an observer attached to the same root.
    public static func attach(_ observer: any FileChangeObserver, root: String) {
        observers.withLock { list in
            list.removeAll { $0.root == root }
            list.append((root + "/", observer))
            attached.store(list.count, ordering: .releasing)
        }
    }

    /// Stops reporting the changes under `root`.
    public static func detach(root: String) {
        observers.withLock { list in
            list.removeAll { $0.root == root + "/" }
            attached.store(list.count, ordering: .releasing)
        }
    }

    /// The observer of `path` and the path relative to its data directory, or nil when nobody observes it.
    static func observer(for path: String) -> (observer: any FileChangeObserver, relative: String)? {
        guard attached.load(ordering: .acquiring) > 0 else { return nil }
        return observers.withLock { list in
            for entry in list where path.hasPrefix(entry.root) {
                let relative = String(path.dropFirst(entry.root.count))
                return relative == ".lock" || relative.isEmpty ? nil : (entry.observer, relative)
            }
            return nil
        }
    }

    /// Runs `apply`, through the observer of `path` when there is one.
    @inline(__always)
    static func change<E: Error>(
        _ path: String, _ describe: (String) -> FileChange, _ apply: () throws(E) -> Void
    ) throws(E) {
        guard let (observer, relative) = observer(for: path) else { return try apply() }
        try observer.record(describe(relative), apply)
    }
}
