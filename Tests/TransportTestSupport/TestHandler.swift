import Bytes
import Transport

/// A `ConnectionHandler` whose behaviour each test supplies as closures.
public final class TestHandler: ConnectionHandler {
    public var onActive: (TCPConnection) -> Void = { _ in }
    public var onRead: (TCPConnection, inout ByteBuffer) -> Void = { _, _ in }
    public var onWritabilityChanged: (TCPConnection) -> Void = { _ in }
    public var onClosed: (TCPConnection) -> Void = { _ in }

    public init() {}

    public func connectionActive(_ connection: TCPConnection) { onActive(connection) }
    public func connectionRead(_ connection: TCPConnection, _ buffer: inout ByteBuffer) { onRead(connection, &buffer) }
    public func connectionWritabilityChanged(_ connection: TCPConnection) { onWritabilityChanged(connection) }
    public func connectionClosed(_ connection: TCPConnection) { onClosed(connection) }

    /// Echoes every byte back.
    public static func echo() -> TestHandler {
        let handler = TestHandler()
        handler.onRead = { connection, buffer in
            connection.write { $0.writeBuffer(buffer) }
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        }
        return handler
    }
}
