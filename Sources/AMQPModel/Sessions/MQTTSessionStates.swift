import AMQPValues
import Bytes
import Glibc
import Locks
import Storage

/// The state of the persistent MQTT sessions of one vhost that is not a queue or a binding, by client id, kept
/// across restarts and `kill -9`: the QoS 2 handshakes (MQTT 3.1.1 §4.3.3, §4.4) — inbound packet ids answered
/// with PUBREC and awaiting PUBREL (a resent PUBLISH with one of them is not routed again), and outbound packet ids
/// the client acknowledged with PUBREC, for which PUBREL is resent on reconnect until PUBCOMP — and the shared
/// subscriptions (`$share/{group}/{filter}`) the session holds, with their QoS — an MQTT 5 session's expiry
/// interval with the time its client disconnected, so a restart knows how long the session has left, and an MQTT 5
/// will waiting for its delay, with the time it is due.
///
/// Each change appends one small record to the vhost's session log, synced by the `SyncCoordinator` with the rest
/// of a round; the frontend sends the acknowledgement that depends on a change (PUBREC, PUBCOMP, PUBREL) only once
/// the generation it got back is durable. The log is compacted into a snapshot when it grows past twice the live
/// state. Clean sessions never come here.
///
/// Log record: op `u8` | client id length `u16` | client id | operand, where op is 0 session ended (no operand),
/// 1 inbound awaiting PUBREL, 2 inbound released, 3 outbound awaiting PUBCOMP, 4 outbound completed (operand: packet
/// id `u16`), 5 shared subscription held, 6 shared subscription dropped (operand: filter length `u16` | filter |
/// QoS `u8`, the QoS absent for 6), 7 expiry set (operand: interval in seconds `u32` | disconnected at, Unix ms `i64`,
/// 0 while connected), 8 expiry cleared (no operand), 9 will pending (operand: due, Unix ms `i64` | retain `u8` | the
/// will as a message record, `MessageCodec`), 10 will done (no operand). Snapshot: `0xFFFF` | format `u8` (2), then per session client
/// id length `u16` | client id | inbound count `u16` | ids | outbound count `u16` | ids (in the order PUBREL was first
/// sent) | shared count `u16` | per shared subscription filter length `u16` | filter | QoS `u8` | expiry flag `u8` |
/// if 1, interval `u32` | disconnected at `i64`; pending wills follow as `0xFFFE` | client id length `u16` | client
/// id | the operand of op 9. A snapshot without the `0xFFFF` mark is the first format: sessions without the expiry.
public final class MQTTSessionStates: @unchecked Sendable, SyncParticipant {
    /// One session's state.
    public struct Entry: Equatable, Sendable {
        /// Inbound QoS 2 packet ids awaiting PUBREL.
        public var awaitingRelease: Set<UInt16> = []
        /// Outbound QoS 2 packet ids awaiting PUBCOMP, oldest first.
        public var awaitingCompletion: [UInt16] = []
        /// Shared subscriptions (`$share/{group}/{filter}`) and their QoS.
        public var shared: [ByteString: UInt8] = [:]

        /// MQTT 5: how long the session outlives its connection; nil for a session that never expires.
        public var expiry: Expiry?

        public init(
            awaitingRelease: Set<UInt16> = [], awaitingCompletion: [UInt16] = [], shared: [ByteString: UInt8] = [:],
            expiry: Expiry? = nil
        ) {
            self.awaitingRelease = awaitingRelease
            self.awaitingCompletion = awaitingCompletion
            self.shared = shared
            self.expiry = expiry
        }

        var isEmpty: Bool { awaitingRelease.isEmpty && awaitingCompletion.isEmpty && shared.isEmpty && expiry == nil }
    }

    /// An MQTT 5 session's expiry (MQTT 5.0 §3.1.2.11.2).
    public struct Expiry: Equatable, Sendable {
        /// The session expiry interval in seconds.
        public var interval: UInt32
        /// When the client disconnected, in Unix milliseconds; 0 while it is connected.
        public var disconnectedAt: Int64

        public init(interval: UInt32, disconnectedAt: Int64) {
            self.interval = interval
            self.disconnectedAt = disconnectedAt
        }

        /// Milliseconds the session has left at `unixNow` after its client disconnected (the whole interval while
        /// it is connected).
        public func remaining(at unixNow: Int64) -> Int64 {
            let whole = Int64(interval) * 1000
            guard disconnectedAt != 0 else { return whole }
            return max(0, disconnectedAt + whole - unixNow)
        }
    }

    private enum Op: UInt8 {
        case ended = 0, inboundPending, inboundReleased, outboundPending, outboundCompleted, sharedHeld, sharedDropped,
            expirySet, expiryCleared, willPending, willDone
    }

    /// An MQTT 5 will waiting for its Will Delay Interval (MQTT 5.0 §3.1.3.2.2), as the message it publishes.
    public struct PendingWill: Sendable {
        /// The will as a message to `mqtt.default` (routing key: the will topic).
        public let message: Message
        /// Whether it is published as a retained message.
        public let retain: Bool
        /// When it is due, in Unix milliseconds.
        public let dueAt: Int64

        public init(message: Message, retain: Bool, dueAt: Int64) {
            self.message = message
            self.retain = retain
            self.dueAt = dueAt
        }
    }

    /// What a record changes besides its op and client.
    private enum Operand {
        case none
        case packetId(UInt16)
        case shared(ByteString, qos: UInt8?)
        case expiry(Expiry)
        case will(PendingWill)
    }

    private struct State {
        var sessions: [ByteString: Entry] = [:]
        var wills: [ByteString: PendingWill] = [:]
        var log: AppendLog?
        var scratch = ByteBuffer()
        var records = 0
    }

    private let state: Lock<State>
    private let coordinator: SyncCoordinator?
    private let codec: (any MessageCodec)?
    private let vhostName: String
    /// Creates the log on the first change when the store did not exist yet (a vhost no persistent MQTT session
    /// wrote to has no directory for it): the directory, the log and what `created` writes beside it.
    private let makeLog: (@Sendable () throws(StorageError) -> AppendLog)?

    /// A store kept in memory only.
    public init() {
        state = Lock(State())
        coordinator = nil
        codec = nil
        vhostName = ""
        makeLog = nil
    }

    /// A store persisted in `directory`, restored from it; `created` runs once the directory exists. Nothing is
    /// created before the first change.
    init(
        directory: String, vhost: String, codec: any MessageCodec, coordinator: SyncCoordinator, logger: Logger,
        created: @escaping @Sendable () throws(StorageError) -> Void
    ) throws(StorageError) {
        self.coordinator = coordinator
        self.codec = codec
        vhostName = vhost
        let open: @Sendable () throws(StorageError) -> AppendLog = { () throws(StorageError) in
            let log = try AppendLog(directory: directory, name: "mqtt-sessions") { logger.warning($0) }
            try created()
            return log
        }
        guard access(directory, F_OK) == 0 else {
            state = Lock(State())
            makeLog = open
            return
        }
        makeLog = nil
        let log = try open()
        var restored = State()
        if let snapshot = try log.readSnapshot() {
            var buf = ByteBuffer(bytes: snapshot)
            let hasExpiry = buf.peekUInt8() == 0xFF && buf.peekUInt8(at: 1) == 0xFF
            if hasExpiry { buf.moveReaderIndex(forwardBy: 3) }
            while let n = buf.readInteger(as: UInt16.self) {
                if n == Self.willMark {
                    guard let n = buf.readInteger(as: UInt16.self), let id = buf.readBytes(Int(n)),
                        let will = Self.readWill(&buf, codec: codec)
                    else { break }
                    restored.wills[ByteString(id)] = will
                    continue
                }
                guard let id = buf.readBytes(Int(n)) else { break }
                var e = Entry()
                guard let inbound = Self.readIds(&buf), let outbound = Self.readIds(&buf),
                    let sharedCount = buf.readInteger(as: UInt16.self)
                else { break }
                e.awaitingRelease = Set(inbound)
                e.awaitingCompletion = outbound
                for _ in 0..<sharedCount {
                    guard let n = buf.readInteger(as: UInt16.self), let f = buf.readBytes(Int(n)), let q = buf.readUInt8()
                    else { break }
                    e.shared[ByteString(f)] = q
                }
                if hasExpiry, buf.readUInt8() == 1 {
                    guard let interval = buf.readInteger(as: UInt32.self), let at = buf.readInteger(as: Int64.self)
                    else { break }
                    e.expiry = Expiry(interval: interval, disconnectedAt: at)
                }
                restored.sessions[ByteString(id)] = e
            }
        }
        try log.replay { raw in
            var record = ByteBuffer(bytes: raw)
            guard let byte = record.readUInt8(), let op = Op(rawValue: byte), let n = record.readInteger(as: UInt16.self),
                let id = record.readBytes(Int(n))
            else { return }
            let operand: Operand
            switch op {
            case .ended, .expiryCleared, .willDone: operand = .none
            case .willPending:
                guard let will = Self.readWill(&record, codec: codec) else { return }
                operand = .will(will)
            case .expirySet:
                guard let interval = record.readInteger(as: UInt32.self), let at = record.readInteger(as: Int64.self)
                else { return }
                operand = .expiry(Expiry(interval: interval, disconnectedAt: at))
            case .sharedHeld, .sharedDropped:
                guard let n = record.readInteger(as: UInt16.self), let f = record.readBytes(Int(n)) else { return }
                operand = .shared(ByteString(f), qos: record.readUInt8())
            default:
                guard let packetId = record.readInteger(as: UInt16.self) else { return }
                operand = .packetId(packetId)
            }
            Self.apply(op, client: ByteString(id), operand, to: &restored)
            restored.records += 1
        }
        restored.log = log
        state = Lock(restored)
    }

    /// Marks a pending will in a snapshot (a client id is never this long).
    private static let willMark: UInt16 = 0xFFFE

    private static func readWill(_ buf: inout ByteBuffer, codec: any MessageCodec) -> PendingWill? {
        guard let dueAt = buf.readInteger(as: Int64.self), let retain = buf.readUInt8(),
            let message = codec.decode(&buf)
        else { return nil }
        return PendingWill(message: message, retain: retain != 0, dueAt: dueAt)
    }

    private static func writeWill(_ will: PendingWill, codec: any MessageCodec, into buf: inout ByteBuffer) {
        buf.writeInteger(will.dueAt)
        buf.writeUInt8(will.retain ? 1 : 0)
        codec.encode(will.message, into: &buf)
    }

    private static func readIds(_ buf: inout ByteBuffer) -> [UInt16]? {
        guard let count = buf.readInteger(as: UInt16.self) else { return nil }
        var ids: [UInt16] = []
        ids.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let id = buf.readInteger(as: UInt16.self) else { return nil }
            ids.append(id)
        }
        return ids
    }

    private static func apply(_ op: Op, client: ByteString, _ operand: Operand, to s: inout State) {
        switch (op, operand) {
        case (.ended, _):
            s.sessions[client] = nil
            return
        case (.willPending, .will(let will)):
            s.wills[client] = will
            return
        case (.willDone, _):
            s.wills[client] = nil
            return
        default: break
        }
        var e = s.sessions[client] ?? Entry()
        switch (op, operand) {
        case (.inboundPending, .packetId(let id)): e.awaitingRelease.insert(id)
        case (.inboundReleased, .packetId(let id)): e.awaitingRelease.remove(id)
        case (.outboundPending, .packetId(let id)): if !e.awaitingCompletion.contains(id) { e.awaitingCompletion.append(id) }
        case (.outboundCompleted, .packetId(let id)): e.awaitingCompletion.removeAll { $0 == id }
        case (.sharedHeld, .shared(let filter, let qos?)): e.shared[filter] = qos
        case (.sharedDropped, .shared(let filter, _)): e.shared[filter] = nil
        case (.expirySet, .expiry(let expiry)): e.expiry = expiry
        case (.expiryCleared, _): e.expiry = nil
        default: return
        }
        s.sessions[client] = e.isEmpty ? nil : e
    }

    /// The saved state of `client`'s session (empty when it has none).
    public func entry(for client: ByteString) -> Entry {
        state.withLock { $0.sessions[client] ?? Entry() }
    }

    /// Sessions with saved state.
    public var count: Int { state.withLock { $0.sessions.count } }

    /// An inbound QoS 2 PUBLISH `id` was routed: PUBREC may go once the returned generation is durable (0: now).
    public func inboundPending(_ client: ByteString, _ id: UInt16) -> UInt64 {
        record(.inboundPending, client, .packetId(id))
    }

    /// PUBREL for inbound `id` arrived: PUBCOMP may go once the returned generation is durable.
    public func inboundReleased(_ client: ByteString, _ id: UInt16) -> UInt64 {
        record(.inboundReleased, client, .packetId(id))
    }

    /// The client acknowledged outbound QoS 2 message `id` with PUBREC: PUBREL may go once the returned
    /// generation is durable.
    public func outboundPending(_ client: ByteString, _ id: UInt16) -> UInt64 {
        record(.outboundPending, client, .packetId(id))
    }

    /// PUBCOMP for outbound `id` arrived.
    @discardableResult
    public func outboundCompleted(_ client: ByteString, _ id: UInt16) -> UInt64 {
        record(.outboundCompleted, client, .packetId(id))
    }

    /// The session subscribed to the shared subscription `filter` (`$share/{group}/{filter}`) at `qos`.
    @discardableResult
    public func sharedHeld(_ client: ByteString, _ filter: ByteString, qos: UInt8) -> UInt64 {
        record(.sharedHeld, client, .shared(filter, qos: qos))
    }

    /// The session unsubscribed from the shared subscription `filter`.
    @discardableResult
    public func sharedDropped(_ client: ByteString, _ filter: ByteString) -> UInt64 {
        let known = state.withLock { $0.sessions[client]?.shared[filter] != nil }
        return known ? record(.sharedDropped, client, .shared(filter, qos: nil)) : 0
    }

    /// An MQTT 5 session's expiry interval, with the time its client disconnected (0 while connected): a restart
    /// gives the session what it has left.
    @discardableResult
    public func expirySet(_ client: ByteString, _ expiry: Expiry) -> UInt64 {
        record(.expirySet, client, .expiry(expiry))
    }

    /// The session no longer expires (an MQTT 3.1.1 persistent session resumed it).
    @discardableResult
    public func expiryCleared(_ client: ByteString) -> UInt64 {
        let known = state.withLock { $0.sessions[client]?.expiry != nil }
        return known ? record(.expiryCleared, client, .none) : 0
    }

    /// An MQTT 5 will starts its delay: it is kept (on disk) until `willDone`, so a restart still publishes it when due.
    /// Returns the sync generation after which it is durable.
    @discardableResult
    public func willPending(_ client: ByteString, _ will: PendingWill) -> UInt64 {
        record(.willPending, client, .will(will))
    }

    /// The pending will of `client` was published, or cancelled by the session resuming.
    @discardableResult
    public func willDone(_ client: ByteString) -> UInt64 {
        let known = state.withLock { $0.wills[client] != nil }
        return known ? record(.willDone, client, .none) : 0
    }

    /// The wills waiting for their delay, by client id.
    public var pendingWills: [(client: ByteString, will: PendingWill)] {
        state.withLock { s in s.wills.map { ($0.key, $0.value) } }
    }

    /// The sessions that expire, with their expiry.
    public var expiring: [(client: ByteString, expiry: Expiry)] {
        state.withLock { s in s.sessions.compactMap { k, e in e.expiry.map { (k, $0) } } }
    }

    /// True when some persistent session holds the shared subscription `filter` (its queue must stay).
    public func isHeld(shared filter: ByteString) -> Bool {
        state.withLock { s in s.sessions.values.contains { $0.shared[filter] != nil } }
    }

    /// The session ended (clean start, or its queue was deleted): its state is forgotten.
    @discardableResult
    public func ended(_ client: ByteString) -> UInt64 {
        let known = state.withLock { $0.sessions[client] != nil }
        return known ? record(.ended, client, .none) : 0
    }

    private func record(_ op: Op, _ client: ByteString, _ operand: Operand) -> UInt64 {
        let wrote: Bool = state.withLock { s in
            Self.apply(op, client: client, operand, to: &s)
            if s.log == nil, let makeLog {
                do { s.log = try makeLog() } catch {
                    Logger(label: "storage").error("cannot create the MQTT session log of vhost '\(vhostName)': \(error)")
                    return false
                }
            }
            guard let log = s.log else { return false }
            s.scratch.clear()
            s.scratch.writeUInt8(op.rawValue)
            s.scratch.writeInteger(UInt16(client.count))
            s.scratch.writeBytes(client.bytes)
            switch operand {
            case .none: break
            case .packetId(let id): s.scratch.writeInteger(id)
            case .shared(let filter, let qos):
                s.scratch.writeInteger(UInt16(filter.count))
                s.scratch.writeBytes(filter.bytes)
                if let qos { s.scratch.writeUInt8(qos) }
            case .expiry(let expiry):
                s.scratch.writeInteger(expiry.interval)
                s.scratch.writeInteger(expiry.disconnectedAt)
            case .will(let will):
                guard let codec else { return false }
                Self.writeWill(will, codec: codec, into: &s.scratch)
            }
            do {
                try s.scratch.withReadableBytes { try log.append($0) }
                s.records += 1
                return true
            } catch {
                Logger(label: "storage").error("cannot write the MQTT session state of '\(client)': \(error)")
                return false
            }
        }
        guard wrote, let coordinator else { return 0 }
        return coordinator.markDirty(self)
    }

    public var syncDescription: String { "MQTT session state of vhost '\(vhostName)'" }

    /// Syncs the log, compacting it first when it holds many more records than there are live ids.
    public func prepareSync() throws(StorageError) -> SegmentSyncBatch? {
        try state.withLock { (s: inout State) throws(StorageError) in
            guard let log = s.log else { return nil }
            let live = s.sessions.values.reduce(0) {
                $0 + $1.awaitingRelease.count + $1.awaitingCompletion.count + $1.shared.count + 1
            } + s.wills.count
            if s.records > max(4096, 2 * live) {
                var snapshot = ByteBuffer()
                snapshot.writeInteger(UInt16.max)
                snapshot.writeUInt8(2)
                for (client, e) in s.sessions {
                    snapshot.writeInteger(UInt16(client.count))
                    snapshot.writeBytes(client.bytes)
                    snapshot.writeInteger(UInt16(e.awaitingRelease.count))
                    for id in e.awaitingRelease.sorted() { snapshot.writeInteger(id) }
                    snapshot.writeInteger(UInt16(e.awaitingCompletion.count))
                    for id in e.awaitingCompletion { snapshot.writeInteger(id) }
                    snapshot.writeInteger(UInt16(e.shared.count))
                    for (filter, qos) in e.shared {
                        snapshot.writeInteger(UInt16(filter.count))
                        snapshot.writeBytes(filter.bytes)
                        snapshot.writeUInt8(qos)
                    }
                    snapshot.writeUInt8(e.expiry == nil ? 0 : 1)
                    if let expiry = e.expiry {
                        snapshot.writeInteger(expiry.interval)
                        snapshot.writeInteger(expiry.disconnectedAt)
                    }
                }
                if let codec {
                    for (client, will) in s.wills {
                        snapshot.writeInteger(Self.willMark)
                        snapshot.writeInteger(UInt16(client.count))
                        snapshot.writeBytes(client.bytes)
                        Self.writeWill(will, codec: codec, into: &snapshot)
                    }
                }
                try log.compact(with: snapshot.readableBytesArray)
                s.records = 0
            } else {
                try log.sync()
            }
            return nil
        }
    }
}
