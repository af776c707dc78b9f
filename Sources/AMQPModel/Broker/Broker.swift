import Locks
import Synchronization

/// The broker core: the vhosts, shared by every frontend.
///
/// Users and permissions are not part of it: they live in the `Auth` target's `UserStore`, which the frontends
/// consult and the executable wires in beside the broker.
public final class Broker: Sendable {
    /// Runs delayed work (TTL, x-expires) for every vhost.
    public let scheduler: any BrokerScheduler
    /// Where durable queues keep their messages; nil keeps everything in memory.
    public let storage: MessageStorage?
    /// The memory and disk alarms every message of this broker counts against.
    public let resourceAlarm: ResourceAlarm
    private let vhostRegistry = Lock<[String: VHost]>([:])
    /// Serialises creating vhosts (each opens its retained store); taken before `vhostRegistry`.
    private let creating = Lock(())
    private let connectionCounter = Atomic<UInt64>(0)

    /// Creates an empty broker; `resourceAlarm` must be the one the storage's codec creates messages with.
    public init(
        scheduler: any BrokerScheduler, storage: MessageStorage? = nil, resourceAlarm: ResourceAlarm = ResourceAlarm()
    ) {
        self.scheduler = scheduler
        self.storage = storage
        self.resourceAlarm = resourceAlarm
    }

    /// The vhost called `name`.
    public func vhost(named name: String) -> VHost? { vhostRegistry.withLock { $0[name] } }

    /// Every vhost, sorted by name.
    public var vhosts: [VHost] { vhostRegistry.withLock { Array($0.values) }.sorted { $0.name < $1.name } }

    /// Creates the vhost if it does not exist; returns it either way.
    ///
    /// A new vhost opens its retained-message log (file I/O) under `creating` only, never under the registry
    /// lock that every login's lookup takes.
    @discardableResult public func addVHost(_ name: String) -> VHost {
        if let v = vhost(named: name) { return v }
        return creating.withLock { _ in
            if let v = vhost(named: name) { return v }
            let v = VHost(name: name, scheduler: scheduler, storage: storage)
            vhostRegistry.withLock { $0[name] = v }
            return v
        }
    }

    /// Deletes a vhost with everything in it; false if it did not exist. Permissions on it are the user store's:
    /// the caller drops them with `UserStore.removeVhost`.
    @discardableResult public func deleteVHost(_ name: String) -> Bool {
        guard let v = vhostRegistry.withLock({ $0.removeValue(forKey: name) }) else { return false }
        for q in v.queues { v.removeQueue(q) }
        return true
    }

    /// The definitions are restored: messages recovered from disk may expire now (and dead-letter into the
    /// restored topology). Until then their expiry waits (`RecoveryGate`).
    public func finishRecovery() {
        storage?.recovery.open()
    }

    /// A process-unique id for a new client connection (exclusive queue ownership, logs).
    public func nextConnectionID() -> UInt64 {
        connectionCounter.add(1, ordering: .relaxed).newValue
    }
}
