import Bytes

/// Turns messages into bytes for the message store and back.
///
/// The core stays free of wire formats: the wiring supplies the implementation (AMQPWire's, which reuses the
/// AMQP content-header encoding for properties).
public protocol MessageCodec: Sendable {
    /// Appends the record of `message`.
    func encode(_ message: Message, into buffer: inout ByteBuffer)
    /// Decodes one record that fills `record` into a message counted against the broker's `ResourceAlarm`; nil
    /// when it is not a valid record.
    func decode(_ record: inout ByteBuffer) -> Message?
}
