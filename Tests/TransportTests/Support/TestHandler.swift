import Bytes
import Transport

/// A `ConnectionHandler` whose behaviour each test supplies as closures.
final class TestHandler: ConnectionHandler {
    var onActive: (TCPConnection) -> Void = { _ in }
    var onRead: (TCPConnection, inout ByteBuffer) -> Void = { _, _ in }
    var onWritabilityChanged: (TCPConnection) -> Void = { _ in }
    var onClosed: (TCPConnection) -> Void = { _ in }

    func connectionActive(_ connection: TCPConnection) { onActive(connection) }
    func connectionRead(_ connection: TCPConnection, _ buffer: inout ByteBuffer) { onRead(connection, &buffer) }
    func connectionWritabilityChanged(_ connection: TCPConnection) { onWritabilityChanged(connection) }
    func connectionClosed(_ connection: TCPConnection) { onClosed(connection) }

    /// Echoes every byte back.
    static func echo() -> TestHandler {
        let handler = TestHandler()
        handler.onRead = { connection, buffer in
            connection.write { $0.writeBuffer(buffer) }
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        }
        return handler
    }
}
