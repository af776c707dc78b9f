import AMQPWire

/// One frame received from the broker, as the client loops need it.
///
/// The frames that arrive once per message (basic.deliver, its header and body frames, basic.ack/nack) are
/// read in place from the receive buffer into plain values, so consuming allocates nothing per message;
/// every other method is decoded by `AMQPMethod.decode` into `.method`.
enum InboundEvent {
    /// basic.deliver: content follows.
    case deliver(deliveryTag: UInt64)
    /// A content header announcing the body size.
    case header(bodySize: UInt64)
    /// A body frame of `length` bytes whose first 8 bytes, read big-endian, are `leadingWord` (0 when shorter).
    case body(length: Int, leadingWord: UInt64)
    /// basic.ack from the broker (publisher confirms).
    case ack(deliveryTag: UInt64, multiple: Bool)
    /// basic.nack from the broker (publisher confirms).
    case nack(deliveryTag: UInt64, multiple: Bool)
    /// Any other method.
    case method(AMQPMethod, channel: UInt16)
    /// A heartbeat frame.
    case heartbeat
}
