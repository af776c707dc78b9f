import AMQPValues
import Bytes

/// Basic-class content properties on the wire: a 16-bit property-flags word, then the present properties
/// in flag order (AMQP 0-9-1 §4.2.6.1). Bit 15 is the first property (content-type), bit 2 the fourteenth
/// (cluster-id); bit 0 would announce another flags word, which no basic-class property list needs.
extension BasicProperties {
    static let contentTypeFlag: UInt16 = 1 << 15
    static let contentEncodingFlag: UInt16 = 1 << 14
    static let headersFlag: UInt16 = 1 << 13
    static let deliveryModeFlag: UInt16 = 1 << 12
    static let priorityFlag: UInt16 = 1 << 11
    static let correlationIdFlag: UInt16 = 1 << 10
    static let replyToFlag: UInt16 = 1 << 9
    static let expirationFlag: UInt16 = 1 << 8
    static let messageIdFlag: UInt16 = 1 << 7
    static let timestampFlag: UInt16 = 1 << 6
    static let typeFlag: UInt16 = 1 << 5
    static let userIdFlag: UInt16 = 1 << 4
    static let appIdFlag: UInt16 = 1 << 3
    static let clusterIdFlag: UInt16 = 1 << 2
    static let continuationFlag: UInt16 = 1 << 0

    /// The property-flags word for the properties that are set.
    var propertyFlags: UInt16 {
        var flags: UInt16 = 0
        if contentType != nil { flags |= Self.contentTypeFlag }
        if contentEncoding != nil { flags |= Self.contentEncodingFlag }
        if headers != nil { flags |= Self.headersFlag }
        if deliveryMode != nil { flags |= Self.deliveryModeFlag }
        if priority != nil { flags |= Self.priorityFlag }
        if correlationId != nil { flags |= Self.correlationIdFlag }
        if replyTo != nil { flags |= Self.replyToFlag }
        if expiration != nil { flags |= Self.expirationFlag }
        if messageId != nil { flags |= Self.messageIdFlag }
        if timestamp != nil { flags |= Self.timestampFlag }
        if type != nil { flags |= Self.typeFlag }
        if userId != nil { flags |= Self.userIdFlag }
        if appId != nil { flags |= Self.appIdFlag }
        if clusterId != nil { flags |= Self.clusterIdFlag }
        return flags
    }

    /// Writes the property flags and the properties that are set.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(propertyFlags)
        if let contentType { buffer.writeShortString(contentType) }
        if let contentEncoding { buffer.writeShortString(contentEncoding) }
        if let headers { headers.encode(into: &buffer) }
        if let deliveryMode { buffer.writeUInt8(deliveryMode) }
        if let priority { buffer.writeUInt8(priority) }
        if let correlationId { buffer.writeShortString(correlationId) }
        if let replyTo { buffer.writeShortString(replyTo) }
        if let expiration { buffer.writeShortString(expiration) }
        if let messageId { buffer.writeShortString(messageId) }
        if let timestamp { buffer.writeInteger(timestamp) }
        if let type { buffer.writeShortString(type) }
        if let userId { buffer.writeShortString(userId) }
        if let appId { buffer.writeShortString(appId) }
        if let clusterId { buffer.writeShortString(clusterId) }
    }

    /// Reads the property flags and the properties they announce.
    /// - Throws: 502 when a property is truncated or the flags set the continuation bit (more than one flags
    ///   word), which the basic class never needs. Bit 1 is unassigned and ignored.
    public static func decode(_ buf: inout ByteBuffer) throws(AMQPWireError) -> BasicProperties {
        let flags = try buf.readShort()
        guard flags & continuationFlag == 0 else {
            throw .syntax("content header property flags set the continuation bit")
        }
        var p = BasicProperties()
        if flags & contentTypeFlag != 0 { p.contentType = try buf.readShortString() }
        if flags & contentEncodingFlag != 0 { p.contentEncoding = try buf.readShortString() }
        if flags & headersFlag != 0 { p.headers = try buf.readFieldTable() }
        if flags & deliveryModeFlag != 0 { p.deliveryMode = try buf.readOctet() }
        if flags & priorityFlag != 0 { p.priority = try buf.readOctet() }
        if flags & correlationIdFlag != 0 { p.correlationId = try buf.readShortString() }
        if flags & replyToFlag != 0 { p.replyTo = try buf.readShortString() }
        if flags & expirationFlag != 0 { p.expiration = try buf.readShortString() }
        if flags & messageIdFlag != 0 { p.messageId = try buf.readShortString() }
        if flags & timestampFlag != 0 { p.timestamp = try buf.readLongLong() }
        if flags & typeFlag != 0 { p.type = try buf.readShortString() }
        if flags & userIdFlag != 0 { p.userId = try buf.readShortString() }
        if flags & appIdFlag != 0 { p.appId = try buf.readShortString() }
        if flags & clusterIdFlag != 0 { p.clusterId = try buf.readShortString() }
        return p
    }
}
