import AMQPModel
import AMQPValues
import MQTTCodec

/// The MQTT 5 message properties that cross the bridge to AMQP 0-9-1 (design §10), independent of the packet they
/// came in or go out with: a PUBLISH, or a will.
///
/// | MQTT 5 | AMQP 0-9-1 |
/// |---|---|
/// | content type | `content_type` |
/// | correlation data | `correlation_id` when it is at most 255 bytes of UTF-8, else header `x-correlation-id` (bytes) |
/// | response topic | `reply_to` |
/// | message expiry interval (s) | `expiration` (ms); on delivery the time remaining |
/// | user properties | `headers`, in order, repeated keys kept (keys starting with `x-mqtt-` are not carried) |
/// | payload format indicator | header `x-mqtt-payload-format` |
struct MQTTMessageProperties: Equatable {
    var payloadFormatIndicator: UInt8?
    var messageExpiryInterval: UInt32?
    var contentType: ByteString?
    var responseTopic: ByteString?
    var correlationData: [UInt8]?
    var userProperties: [(key: ByteString, value: ByteString)] = []

    /// True when nothing is set (a 3.1.1 publish, or an MQTT 5 one without message properties).
    var isEmpty: Bool {
        payloadFormatIndicator == nil && messageExpiryInterval == nil && contentType == nil && responseTopic == nil
            && correlationData == nil && userProperties.isEmpty
    }

    static func == (a: MQTTMessageProperties, b: MQTTMessageProperties) -> Bool {
        a.payloadFormatIndicator == b.payloadFormatIndicator && a.messageExpiryInterval == b.messageExpiryInterval
            && a.contentType == b.contentType && a.responseTopic == b.responseTopic
            && a.correlationData == b.correlationData && a.userProperties.count == b.userProperties.count
            && zip(a.userProperties, b.userProperties).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    static let payloadFormatHeader: ByteString = "x-mqtt-payload-format"
    static let correlationHeader: ByteString = "x-correlation-id"
    private static let reservedPrefix = Array("x-mqtt-".utf8)

    /// The AMQP properties of a message published over MQTT with `qos`, `retain` and these properties. Without
    /// any, the shared tables of `Message.mqttProperties` are used (no allocation).
    func amqpProperties(qos: UInt8, retain: Bool) -> BasicProperties {
        var p = Message.mqttProperties(qos: qos, retain: retain)
        guard !isEmpty else { return p }
        var headers = p.headers ?? FieldTable()
        p.contentType = contentType
        p.replyTo = responseTopic
        if let seconds = messageExpiryInterval { p.expiration = ByteString(String(UInt64(seconds) * 1000)) }
        if let data = correlationData {
            if data.count <= 255, ByteString(data).isValidUTF8 {
                p.correlationId = ByteString(data)
            } else {
                headers.entries.append((Self.correlationHeader, .bytes(data)))
            }
        }
        if let format = payloadFormatIndicator { headers.entries.append((Self.payloadFormatHeader, .uint8(format))) }
        for (key, value) in userProperties where !key.bytes.starts(with: Self.reservedPrefix) {
            headers.entries.append((key, .longString(value.bytes)))
        }
        p.headers = headers
        return p
    }

    /// What an MQTT 5 subscriber is told of `message`: its properties back from AMQP, with the message expiry
    /// interval set to the whole seconds left before `expiresAt` (monotonic ms; `Int64.max`: never) at `now`.
    init(of message: Message, expiresAt: Int64, now: Int64) {
        let p = message.properties
        contentType = p.contentType
        responseTopic = p.replyTo
        correlationData = p.correlationId?.bytes
        if expiresAt != .max {
            let left = max(0, expiresAt - now)
            messageExpiryInterval = UInt32(clamping: (left + 999) / 1000)
        }
        for (key, value) in p.headers?.entries ?? [] {
            if key == Self.payloadFormatHeader {
                payloadFormatIndicator = value.intValue.map { UInt8(clamping: $0) }
            } else if key == Self.correlationHeader {
                if case .bytes(let b) = value { correlationData = b } else if case .longString(let b) = value { correlationData = b }
            } else if !key.bytes.starts(with: Self.reservedPrefix), let text = Self.text(value) {
                userProperties.append((key, text))
            }
        }
    }

    init() {}

    /// The message properties of an MQTT 5 PUBLISH or will (the others, such as a topic alias, are not the message's).
    init(_ p: MQTTProperties) {
        payloadFormatIndicator = p.payloadFormatIndicator.map { $0 ? 1 : 0 }
        messageExpiryInterval = p.messageExpiryInterval
        contentType = p.contentType
        responseTopic = p.responseTopic
        correlationData = p.correlationData
        userProperties = p.userProperties.map { (key: $0.name, value: $0.value) }
    }

    /// As MQTT 5 properties of a PUBLISH, in the order of MQTT 5.0 Table 2-4; values that are no valid MQTT string
    /// (an AMQP short string need not be UTF-8) or, for the response topic, no valid topic name are left out.
    var list: [MQTTProperty] {
        var l: [MQTTProperty] = []
        if let f = payloadFormatIndicator { l.append(.payloadFormatIndicator(f != 0)) }
        if let e = messageExpiryInterval { l.append(.messageExpiryInterval(e)) }
        if let c = contentType, c.isValidUTF8 { l.append(.contentType(c)) }
        if let r = responseTopic, MQTTTopic.isValidTopicName(r) { l.append(.responseTopic(r)) }
        if let d = correlationData { l.append(.correlationData(d)) }
        for (k, v) in userProperties where k.isValidUTF8 && v.isValidUTF8 { l.append(.userProperty(name: k, value: v)) }
        return l
    }

    /// True when `p` holds a message property (not only, say, a topic alias).
    static func hasAny(_ p: MQTTProperties) -> Bool {
        p.list.contains { property in
            switch property {
            case .payloadFormatIndicator, .messageExpiryInterval, .contentType, .responseTopic, .correlationData,
                .userProperty:
                true
            default: false
            }
        }
    }

    /// True when AMQP properties `p` carry nothing an MQTT 5 subscriber is told: no content type, reply-to,
    /// correlation id or expiration, and no header but the bridge's own `x-mqtt-` ones (every MQTT 3.1.1 publish).
    static func carriesNothing(_ p: BasicProperties) -> Bool {
        guard p.contentType == nil, p.replyTo == nil, p.correlationId == nil, p.expiration == nil else { return false }
        guard let headers = p.headers else { return true }
        return headers.entries.allSatisfy { isBridgeHeader($0.key) }
    }

    /// True for `x-mqtt-...` (checked byte by byte: this runs for every delivery to an MQTT 5 client).
    private static func isBridgeHeader(_ key: ByteString) -> Bool {
        key.bytes.withUnsafeBufferPointer { b in
            b.count >= 7 && b[0] == 0x78 && b[1] == 0x2D && b[2] == 0x6D && b[3] == 0x71 && b[4] == 0x74
                && b[5] == 0x74 && b[6] == 0x2D
        }
    }

    /// A header value as a user property value: strings as they are, numbers and booleans in decimal; tables,
    /// arrays and byte arrays are not carried.
    private static func text(_ value: FieldValue) -> ByteString? {
        switch value {
        case .longString(let b): return ByteString(b)
        case .bool(let v): return ByteString(v ? "true" : "false")
        case .float(let v): return ByteString(String(v))
        case .double(let v): return ByteString(String(v))
        case .timestamp(let v): return ByteString(String(v))
        case .decimal, .bytes, .array, .table, .void: return nil
        default: return value.intValue.map { ByteString(String($0)) }
        }
    }
}
