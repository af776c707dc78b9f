import AMQPValues

/// The identifier of an MQTT 5 property (MQTT 5.0 §2.2.2.2, table 2-4).
public enum MQTTPropertyID: UInt8, Sendable, CaseIterable {
    case payloadFormatIndicator = 0x01
    case messageExpiryInterval = 0x02
    case contentType = 0x03
    case responseTopic = 0x08
    case correlationData = 0x09
    case subscriptionIdentifier = 0x0B
    case sessionExpiryInterval = 0x11
    case assignedClientIdentifier = 0x12
    case serverKeepAlive = 0x13
    case authenticationMethod = 0x15
    case authenticationData = 0x16
    case requestProblemInformation = 0x17
    case willDelayInterval = 0x18
    case requestResponseInformation = 0x19
    case responseInformation = 0x1A
    case serverReference = 0x1C
    case reasonString = 0x1F
    case receiveMaximum = 0x21
    case topicAliasMaximum = 0x22
    case topicAlias = 0x23
    case maximumQoS = 0x24
    case retainAvailable = 0x25
    case userProperty = 0x26
    case maximumPacketSize = 0x27
    case wildcardSubscriptionAvailable = 0x28
    case subscriptionIdentifierAvailable = 0x29
    case sharedSubscriptionAvailable = 0x2A

    /// How the value is encoded (MQTT 5.0 §1.5).
    public enum Kind: Sendable {
        case byte, twoByteInteger, fourByteInteger, variableByteInteger, string, binary, stringPair
    }

    public var kind: Kind {
        switch self {
        case .payloadFormatIndicator, .requestProblemInformation, .requestResponseInformation, .maximumQoS,
            .retainAvailable, .wildcardSubscriptionAvailable, .subscriptionIdentifierAvailable,
            .sharedSubscriptionAvailable:
            .byte
        case .serverKeepAlive, .receiveMaximum, .topicAliasMaximum, .topicAlias: .twoByteInteger
        case .messageExpiryInterval, .sessionExpiryInterval, .willDelayInterval, .maximumPacketSize: .fourByteInteger
        case .subscriptionIdentifier: .variableByteInteger
        case .contentType, .responseTopic, .assignedClientIdentifier, .authenticationMethod, .responseInformation,
            .serverReference, .reasonString:
            .string
        case .correlationData, .authenticationData: .binary
        case .userProperty: .stringPair
        }
    }

    /// True when the property may appear in `packet` (table 2-4).
    public func isAllowed(in packet: MQTTPropertyContext) -> Bool {
        switch self {
        case .payloadFormatIndicator, .messageExpiryInterval, .contentType, .responseTopic, .correlationData:
            packet == .publish || packet == .will
        case .subscriptionIdentifier: packet == .publish || packet == .subscribe
        case .sessionExpiryInterval: packet == .connect || packet == .connAck || packet == .disconnect
        case .assignedClientIdentifier, .serverKeepAlive, .responseInformation, .maximumQoS, .retainAvailable,
            .wildcardSubscriptionAvailable, .subscriptionIdentifierAvailable, .sharedSubscriptionAvailable:
            packet == .connAck
        case .authenticationMethod, .authenticationData: packet == .connect || packet == .connAck || packet == .auth
        case .requestProblemInformation, .requestResponseInformation: packet == .connect
        case .willDelayInterval: packet == .will
        case .serverReference: packet == .connAck || packet == .disconnect
        case .reasonString:
            packet != .connect && packet != .publish && packet != .will && packet != .subscribe
                && packet != .unsubscribe
        case .receiveMaximum, .topicAliasMaximum, .maximumPacketSize: packet == .connect || packet == .connAck
        case .topicAlias: packet == .publish
        case .userProperty: true
        }
    }

    /// True when the property may appear more than once in `packet`: user properties anywhere, subscription
    /// identifiers in a PUBLISH (one per matching subscription).
    func mayRepeat(in packet: MQTTPropertyContext) -> Bool {
        self == .userProperty || (self == .subscriptionIdentifier && packet == .publish)
    }
}

/// Where a property list appears: a packet, or the will properties inside CONNECT.
public enum MQTTPropertyContext: Sendable, Equatable {
    case connect, connAck, publish, will, pubAck, pubRec, pubRel, pubComp, subscribe, subAck, unsubscribe, unsubAck
    case disconnect, auth
}

/// One property value.
public enum MQTTPropertyValue: Sendable, Equatable {
    /// A byte, a two- or four-byte integer or a variable byte integer.
    case integer(UInt32)
    case string(ByteString)
    case binary([UInt8])
    case pair(ByteString, ByteString)
}
