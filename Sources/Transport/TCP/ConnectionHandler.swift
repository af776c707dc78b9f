import Bytes

/// The protocol logic on top of one `TCPConnection` (an AMQP or MQTT connection state machine).
///
/// Every callback runs on the connection's event loop thread. `connectionClosed` is always delivered from the
/// loop's task queue, never synchronously from inside `close()`/`abort()` or another callback, so a handler can
/// close its own or another connection from any callback without re-entrancy.
public protocol ConnectionHandler: AnyObject {
    /// The connection is registered and readable; the handler may write its greeting here.
    func connectionActive(_ connection: TCPConnection)

    /// `buffer` holds every byte received and not yet consumed; the handler consumes what it can decode (moves the
    /// reader index) and leaves a partial frame in place. The connection compacts it. Called once per readable event
    /// with all bytes read in that event. The handler may call `connection.close()` from here.
    func connectionRead(_ connection: TCPConnection, _ buffer: inout ByteBuffer)

    /// `connection.isWritable` changed: false once pending output passed the high watermark, true once it drained to
    /// the low watermark. Delivered when the connection is flushed, not from inside `write`; a flip and flip-back
    /// within one flush is not reported.
    func connectionWritabilityChanged(_ connection: TCPConnection)

    /// Called once when the socket is closed, by either side or by an error. `connection.handler` is set to nil
    /// right after, breaking the usual handler ↔ connection reference cycle.
    func connectionClosed(_ connection: TCPConnection)
}
