import AMQPValues
import Bytes

/// The payload of a content header frame: it follows a content-carrying method (basic.publish,
/// basic.deliver, basic.get-ok, basic.return) and announces the body size and the message properties
/// (AMQP 0-9-1 §4.2.6).
public struct ContentHeader: Sendable, Equatable {
    /// The class of the method this content belongs to; 60 (basic) is the only content class in 0-9-1.
    public var classId: UInt16
    /// Unused by 0-9-1; must be 0.
    public var weight: UInt16
    /// Total number of body bytes carried by the body frames that follow.
    public var bodySize: UInt64
    /// The message properties.
    public var properties: BasicProperties

    /// A content header; the class defaults to basic and the weight to 0.
    public init(classId: UInt16 = 60, weight: UInt16 = 0, bodySize: UInt64, properties: BasicProperties) {
        self.classId = classId
        self.weight = weight
        self.bodySize = bodySize
        self.properties = properties
    }

    /// Reads a content header frame payload. Bytes after the properties are ignored.
    ///
    /// The properties are always read as basic-class properties; checking that `classId` matches the
    /// preceding method (and that `weight` is 0) is the frontend's job, since it knows that method.
    /// - Throws: 502 when the payload is truncated or the properties are malformed.
    public static func decode(_ payload: inout ByteBuffer) throws(AMQPWireError) -> ContentHeader {
        do {
            let classId = try payload.readShort()
            let weight = try payload.readShort()
            let bodySize = try payload.readLongLong()
            let properties = try BasicProperties.decode(&payload)
            return ContentHeader(classId: classId, weight: weight, bodySize: bodySize, properties: properties)
        } catch {
            throw .syntax("content header: \(error.message)")
        }
    }

    /// Writes class id, weight, body size and properties (no frame envelope).
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(classId)
        buffer.writeInteger(weight)
        buffer.writeInteger(bodySize)
        properties.encode(into: &buffer)
    }
}
