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
        var connected: [Key: MQTTConnectionRef] = [:]
    }

    private let state = Lock(State())

    /// Registers `connection` as the live connection of `key`; returns the connection it replaces (takeover).
    func claim(_ key: Key, by connection: MQTTConnection) -> MQTTConnection? {
        state.withLock { s in
            let previous = s.connected[key]?.connection
            s.connected[key] = MQTTConnectionRef(connection)
            return previous === connection ? nil : previous
        }
    }

    /// Unregisters `connection` if it is still the live connection of `key`.
    func release(_ key: Key, by connection: MQTTConnection) {
        state.withLock { s in
            if s.connected[key]?.connection === connection || s.connected[key]?.connection == nil {
                s.connected[key] = nil
            }
        }
    }

    /// The live connection of `key`, if any.
    func connection(for key: Key) -> MQTTConnection? {
        state.withLock { $0.connected[key]?.connection }
    }

    /// Number of live connections.
    var connectedCount: Int { state.withLock { $0.connected.count } }

    /// Every live connection.
    func allConnections() -> [MQTTConnectionRef] { state.withLock { Array($0.connected.values) } }

    /// Every live connection.
    func live() -> [MQTTConnection] {
        state.withLock { s in s.connected.values.compactMap(\.connection) }
    }
}

/// A weak, sendable reference to a connection (it lives on its loop; only `execute` crosses threads).
struct MQTTConnectionRef: Sendable {
    nonisolated(unsafe) weak var connection: MQTTConnection?

    init(_ c: MQTTConnection) { connection = c }
}
