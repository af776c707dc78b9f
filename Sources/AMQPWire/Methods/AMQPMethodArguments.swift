import Bytes

/// The arguments of one AMQP method, with the class and method id that identify it on the wire.
///
/// Every generated method struct conforms (see `scripts/gen-amqp-methods.py`). The protocol lets the
/// `AMQPMethod` dispatch share the id writing and error wording without an existential: it is only
/// ever used on concrete types.
public protocol AMQPMethodArguments: Sendable, Equatable {
    /// The class id on the wire (60 for basic).
    static var classId: UInt16 { get }
    /// The method id on the wire within its class (40 for basic.publish).
    static var methodId: UInt16 { get }
    /// The spec name, "class.method".
    static var name: String { get }

    /// Reads the arguments that follow the class and method id.
    init(decoding buffer: inout ByteBuffer) throws(AMQPWireError)

    /// Writes the arguments that follow the class and method id.
    func encodeArguments(into buffer: inout ByteBuffer)
}

extension AMQPMethodArguments {
    /// Writes class id, method id and arguments: a method frame payload.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(Self.classId)
        buffer.writeInteger(Self.methodId)
        encodeArguments(into: &buffer)
    }

    /// Reads the arguments, naming the method in the error when they are malformed.
    static func decodeArguments(from payload: inout ByteBuffer) throws(AMQPWireError) -> Self {
        do {
            return try Self(decoding: &payload)
        } catch {
            throw AMQPWireError(replyCode: error.replyCode, message: "\(Self.name): \(error.message)")
        }
    }
}
