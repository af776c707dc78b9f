import AMQPValues
import Bytes

/// One MQTT 5 property (MQTT 5.0 §2.2.2.2, Table 2-4): an identifier and a value of the type the identifier fixes.
///
/// Values are as on the wire, except that the properties whose byte may only be 0 or 1 are Bools and Maximum QoS is
/// an `MQTTQoS`. Which packets may carry which property, how often, and the value rules are the decoder's checks
/// (`MQTTProperty.Identifier`, `MQTTProperties`); the encoder trusts its caller, as for the rest of a packet.
public enum MQTTProperty: Sendable, Equatable {
    /// 0x01 (PUBLISH, will): true when the payload is UTF-8 encoded character data, false for unspecified bytes.
    case payloadFormatIndicator(Bool)
    /// 0x02 (PUBLISH, will): the lifetime of the message in seconds.
    case messageExpiryInterval(UInt32)
    /// 0x03 (PUBLISH, will): the content of the message as the applications name it (a MIME type, say).
    case contentType(ByteString)
    /// 0x08 (PUBLISH, will): the topic name for a response; a valid topic name, without wildcards [MQTT-3.3.2-14].
    case responseTopic(ByteString)
    /// 0x09 (PUBLISH, will): binary data that tells the requester which request a response answers.
    case correlationData([UInt8])
    /// 0x0B (PUBLISH, SUBSCRIBE): a subscription identifier, 1 to 268435455.
    case subscriptionIdentifier(Int)
    /// 0x11 (CONNECT, CONNACK, DISCONNECT): how long the session outlives the connection, in seconds; 0xFFFFFFFF
    /// never expires.
    case sessionExpiryInterval(UInt32)
    /// 0x12 (CONNACK): the client identifier the server assigned to a client that sent an empty one.
    case assignedClientIdentifier(ByteString)
    /// 0x13 (CONNACK): the keep alive the server imposes, in seconds.
    case serverKeepAlive(UInt16)
    /// 0x15 (CONNECT, CONNACK, AUTH): the name of the extended authentication method.
    case authenticationMethod(ByteString)
    /// 0x16 (CONNECT, CONNACK, AUTH): data of the extended authentication method.
    case authenticationData([UInt8])
    /// 0x17 (CONNECT): whether the server may send a reason string or user properties on failures (absent: true).
    case requestProblemInformation(Bool)
    /// 0x18 (will): how long the server waits after the connection ends before it publishes the will, in seconds.
    case willDelayInterval(UInt32)
    /// 0x19 (CONNECT): whether the client asks for response information in the CONNACK (absent: false).
    case requestResponseInformation(Bool)
    /// 0x1A (CONNACK): the basis from which the client makes its response topics.
    case responseInformation(ByteString)
    /// 0x1C (CONNACK, DISCONNECT): another server the client can use.
    case serverReference(ByteString)
    /// 0x1F (CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, DISCONNECT, AUTH): a diagnostic for humans.
    case reasonString(ByteString)
    /// 0x21 (CONNECT, CONNACK): how many QoS 1 and 2 publications the sender processes at once, 1 to 65535.
    case receiveMaximum(UInt16)
    /// 0x22 (CONNECT, CONNACK): the highest topic alias the sender accepts; 0 (also when absent) accepts none.
    case topicAliasMaximum(UInt16)
    /// 0x23 (PUBLISH): a topic alias. The decoder does not check its range: 0, or an alias above the Topic Alias
    /// Maximum the receiver announced, is a protocol error (0x94 Topic Alias invalid) [MQTT-3.3.2-8] that the frontend,
    /// which knows that maximum and holds the alias mappings, raises.
    case topicAlias(UInt16)
    /// 0x24 (CONNACK): the highest QoS the server supports, QoS 0 or 1 (absent: 2).
    case maximumQoS(MQTTQoS)
    /// 0x25 (CONNACK): whether the server supports retained messages (absent: true).
    case retainAvailable(Bool)
    /// 0x26 (every packet with properties, and the will): a name and value; may repeat, and the order is kept.
    case userProperty(name: ByteString, value: ByteString)
    /// 0x27 (CONNECT, CONNACK): the largest packet the sender accepts, fixed header included; never 0.
    case maximumPacketSize(UInt32)
    /// 0x28 (CONNACK): whether the server supports wildcard subscriptions (absent: true).
    case wildcardSubscriptionAvailable(Bool)
    /// 0x29 (CONNACK): whether the server supports subscription identifiers (absent: true).
    case subscriptionIdentifierAvailable(Bool)
    /// 0x2A (CONNACK): whether the server supports shared subscriptions (absent: true).
    case sharedSubscriptionAvailable(Bool)

    /// The identifier byte this property is written with.
    public var identifier: Identifier {
        switch self {
        case .payloadFormatIndicator: .payloadFormatIndicator
        case .messageExpiryInterval: .messageExpiryInterval
        case .contentType: .contentType
        case .responseTopic: .responseTopic
        case .correlationData: .correlationData
        case .subscriptionIdentifier: .subscriptionIdentifier
        case .sessionExpiryInterval: .sessionExpiryInterval
        case .assignedClientIdentifier: .assignedClientIdentifier
        case .serverKeepAlive: .serverKeepAlive
        case .authenticationMethod: .authenticationMethod
        case .authenticationData: .authenticationData
        case .requestProblemInformation: .requestProblemInformation
        case .willDelayInterval: .willDelayInterval
        case .requestResponseInformation: .requestResponseInformation
        case .responseInformation: .responseInformation
        case .serverReference: .serverReference
        case .reasonString: .reasonString
        case .receiveMaximum: .receiveMaximum
        case .topicAliasMaximum: .topicAliasMaximum
        case .topicAlias: .topicAlias
        case .maximumQoS: .maximumQoS
        case .retainAvailable: .retainAvailable
        case .userProperty: .userProperty
        case .maximumPacketSize: .maximumPacketSize
        case .wildcardSubscriptionAvailable: .wildcardSubscriptionAvailable
        case .subscriptionIdentifierAvailable: .subscriptionIdentifierAvailable
        case .sharedSubscriptionAvailable: .sharedSubscriptionAvailable
        }
    }

    /// Bytes the property takes on the wire: the identifier byte and the value.
    var encodedSize: Int {
        switch self {
        case .payloadFormatIndicator, .requestProblemInformation, .requestResponseInformation, .maximumQoS,
            .retainAvailable, .wildcardSubscriptionAvailable, .subscriptionIdentifierAvailable,
            .sharedSubscriptionAvailable:
            2
        case .serverKeepAlive, .receiveMaximum, .topicAliasMaximum, .topicAlias: 3
        case .messageExpiryInterval, .sessionExpiryInterval, .willDelayInterval, .maximumPacketSize: 5
        case .subscriptionIdentifier(let id): 1 + ByteBuffer.mqttVarintSize(id)
        case .contentType(let s), .responseTopic(let s), .assignedClientIdentifier(let s),
            .authenticationMethod(let s), .responseInformation(let s), .serverReference(let s), .reasonString(let s):
            3 + s.count
        case .correlationData(let b), .authenticationData(let b): 3 + b.count
        case .userProperty(let name, let value): 5 + name.count + value.count
        }
    }

    /// Writes the identifier byte and the value (MQTT 5.0 §1.5 data representations).
    /// - Precondition: the value is one the property can carry: Maximum QoS 0 or 1, a subscription identifier from
    ///   1 to 268435455, strings and binary data of at most 65535 bytes.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeUInt8(identifier.rawValue)
        switch self {
        case .payloadFormatIndicator(let flag), .requestProblemInformation(let flag),
            .requestResponseInformation(let flag), .retainAvailable(let flag), .wildcardSubscriptionAvailable(let flag),
            .subscriptionIdentifierAvailable(let flag), .sharedSubscriptionAvailable(let flag):
            buffer.writeUInt8(flag ? 1 : 0)
        case .maximumQoS(let qos):
            precondition(
                qos != .exactlyOnce, "[MQTT5 §3.2.2.3.4] Maximum QoS is 0 or 1; a server supporting QoS 2 omits it")
            buffer.writeUInt8(qos.rawValue)
        case .serverKeepAlive(let v), .receiveMaximum(let v), .topicAliasMaximum(let v), .topicAlias(let v):
            buffer.writeInteger(v)
        case .messageExpiryInterval(let v), .sessionExpiryInterval(let v), .willDelayInterval(let v),
            .maximumPacketSize(let v):
            buffer.writeInteger(v)
        case .subscriptionIdentifier(let id):
            precondition(
                id >= 1 && id <= MQTTEncoder.maxRemainingLength,
                "[MQTT5 §3.3.2.3.8] subscription identifier \(id) is outside 1...268435455")
            buffer.writeMQTTVarint(id)
        case .contentType(let s), .responseTopic(let s), .assignedClientIdentifier(let s),
            .authenticationMethod(let s), .responseInformation(let s), .serverReference(let s), .reasonString(let s):
            buffer.writeMQTTLengthPrefixed(s.bytes)
        case .correlationData(let b), .authenticationData(let b):
            buffer.writeMQTTLengthPrefixed(b)
        case .userProperty(let name, let value):
            buffer.writeMQTTLengthPrefixed(name.bytes)
            buffer.writeMQTTLengthPrefixed(value.bytes)
        }
    }
}
