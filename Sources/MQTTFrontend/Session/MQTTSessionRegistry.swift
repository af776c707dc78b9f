import AMQPValues
import Locks
import MQTTCodec

/// Client ids in use, per vhost (the same client id in two vhosts is two sessions), for takeover. Touched at
/// CONNECT and disconnect only, never per message. The QoS 2 state of persistent sessions is kept by the vhost
/// (`VHost.mqttSessions`), on disk.
final class MQTTSessionRegistry: Sendable {
    /// A session: its vhost and client id. The client id is kept as the session queue's name `mqtt.<client_id>`,
    /// whose bytes the queue then shares, so a connected client holds its id once.
    struct Key: Hashable {
        let vhost: String
        /// `mqtt.<client_id>`.
        let sessionQueue: ByteString

        init(vhost: String, clientId: ByteString) {
            self.vhost = vhost
            sessionQueue = ByteString(Self.prefix + clientId.bytes)
        }

        /// The client id (built on demand: for log lines).
        var clientId: ByteString { ByteString(Array(sessionQueue.bytes.dropFirst(Self.prefix.count))) }

        private static let prefix = Array("mqtt.".utf8)
    }

    private struct State {
        /// By vhost, then by session queue name: an idle connection's entry is two words (a flat dictionary keyed by
        /// `Key` would carry the vhost name in every entry).
        var connected: [String: [ByteString: MQTTConnectionRef]] = [:]
        var count = 0
        /// MQTT 5 wills waiting for their delay, by session: a token (to tell a later will from this one) and what
        /// ends the wait (publishing the will, or with false dropping it).
        var delayedWills: [Key: (token: UInt64, finish: @Sendable (_ publish: Bool) -> Void)] = [:]
        var nextToken: UInt64 = 0
    }

    private let state = Lock(State())

    /// Registers `connection` as the live connection of `key`; returns the connection it replaces (takeover). A will
    /// still waiting for its delay is cancelled when the connection `resumes` the session [MQTT-3.1.3-9], and
    /// published now when it starts a new one (the old session ends).
    func claim(_ key: Key, by connection: MQTTConnection, resumes: Bool) -> MQTTConnection? {
        let (previous, will) = state.withLock { s in
            let previous = s.connected[key.vhost]?[key.sessionQueue]?.connection
            if s.connected[key.vhost, default: [:]].updateValue(MQTTConnectionRef(connection), forKey: key.sessionQueue)
                == nil
            {
                s.count += 1
            }
            return (previous === connection ? nil : previous, s.delayedWills.removeValue(forKey: key)?.finish)
        }
        will?(!resumes)
        return previous
    }

    /// Keeps `finish` until `fireDelayedWill` with the returned token (which calls it with true), unless `claim` takes
    /// it first.
    func delayWill(_ key: Key, _ finish: @escaping @Sendable (_ publish: Bool) -> Void) -> UInt64 {
        state.withLock { s in
            s.nextToken += 1
            s.delayedWills[key] = (s.nextToken, finish)
            return s.nextToken
        }
    }

    /// The delay of the will kept under `token` is over: publishes it if no connection took the session meanwhile.
    func fireDelayedWill(_ key: Key, token: UInt64) {
        let will: (@Sendable (Bool) -> Void)? = state.withLock { s in
            guard let pending = s.delayedWills[key], pending.token == token else { return nil }
            s.delayedWills[key] = nil
            return pending.finish
        }
        will?(true)
    }

    /// Unregisters `connection` if it is still the live connection of `key`.
    func release(_ key: Key, by connection: MQTTConnection) {
        state.withLock { s in
            guard let entry = s.connected[key.vhost]?[key.sessionQueue] else { return }
            if entry.connection === connection {
                s.connected[key.vhost]?[key.sessionQueue] = nil
                s.count -= 1
            }
        }
    }

    /// The live connection of `key`, if any.
    func connection(for key: Key) -> MQTTConnection? {
        state.withLock { $0.connected[key.vhost]?[key.sessionQueue]?.connection }
    }

    /// Number of live connections.
    var connectedCount: Int { state.withLock { $0.count } }

    /// Every live connection.
    func live() -> [MQTTConnection] {
        state.withLock { s in s.connected.values.flatMap { $0.values.map(\.connection) } }
    }
}

/// A sendable reference to a connection (it lives on its loop; only `execute` crosses threads), held until
/// `release`: strong, not weak, so the connection has no side table (see `ConsumerHandle.consumer`).
struct MQTTConnectionRef: Sendable {
    let connection: MQTTConnection

    init(_ c: MQTTConnection) { connection = c }
}
