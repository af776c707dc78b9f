extension MQTTProperty {
    /// The identifier of a property (MQTT 5.0 Table 2-4), with the rules the decoder applies to it: where it may
    /// appear and whether it may appear more than once.
    ///
    /// The identifier is a variable byte integer on the wire, but every identifier MQTT 5.0 defines is below 0x80, so
    /// it is one byte; any other byte is an unknown identifier.
    public enum Identifier: UInt8, Sendable, Equatable, Hashable, CaseIterable, CustomStringConvertible {
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

        /// The property name as Table 2-4 writes it ("Topic Alias").
        public var description: String {
            switch self {
            case .payloadFormatIndicator: "Payload Format Indicator"
            case .messageExpiryInterval: "Message Expiry Interval"
            case .contentType: "Content Type"
            case .responseTopic: "Response Topic"
            case .correlationData: "Correlation Data"
            case .subscriptionIdentifier: "Subscription Identifier"
            case .sessionExpiryInterval: "Session Expiry Interval"
            case .assignedClientIdentifier: "Assigned Client Identifier"
            case .serverKeepAlive: "Server Keep Alive"
            case .authenticationMethod: "Authentication Method"
            case .authenticationData: "Authentication Data"
            case .requestProblemInformation: "Request Problem Information"
            case .willDelayInterval: "Will Delay Interval"
            case .requestResponseInformation: "Request Response Information"
            case .responseInformation: "Response Information"
            case .serverReference: "Server Reference"
            case .reasonString: "Reason String"
            case .receiveMaximum: "Receive Maximum"
            case .topicAliasMaximum: "Topic Alias Maximum"
            case .topicAlias: "Topic Alias"
            case .maximumQoS: "Maximum QoS"
            case .retainAvailable: "Retain Available"
            case .userProperty: "User Property"
            case .maximumPacketSize: "Maximum Packet Size"
            case .wildcardSubscriptionAvailable: "Wildcard Subscription Available"
            case .subscriptionIdentifierAvailable: "Subscription Identifier Available"
            case .sharedSubscriptionAvailable: "Shared Subscription Available"
            }
        }

        /// Whether Table 2-4 allows the property in `location`.
        func isAllowed(in location: MQTTProperties.Location) -> Bool {
            guard case .packet(let type) = location else {
                switch self {
                case .payloadFormatIndicator, .messageExpiryInterval, .contentType, .responseTopic, .correlationData,
                    .willDelayInterval, .userProperty:
                    return true
                default:
                    return false
                }
            }
            switch self {
            case .payloadFormatIndicator, .messageExpiryInterval, .contentType, .responseTopic, .correlationData,
                .topicAlias:
                return type == .publish
            case .subscriptionIdentifier: return type == .publish || type == .subscribe
            case .sessionExpiryInterval: return type == .connect || type == .connAck || type == .disconnect
            case .assignedClientIdentifier, .serverKeepAlive, .responseInformation, .maximumQoS, .retainAvailable,
                .wildcardSubscriptionAvailable, .subscriptionIdentifierAvailable, .sharedSubscriptionAvailable:
                return type == .connAck
            case .authenticationMethod, .authenticationData:
                return type == .connect || type == .connAck || type == .auth
            case .requestProblemInformation, .requestResponseInformation: return type == .connect
            case .willDelayInterval: return false
            case .serverReference: return type == .connAck || type == .disconnect
            case .reasonString:
                switch type {
                case .connAck, .pubAck, .pubRec, .pubRel, .pubComp, .subAck, .unsubAck, .disconnect, .auth: return true
                default: return false
                }
            case .receiveMaximum, .topicAliasMaximum, .maximumPacketSize: return type == .connect || type == .connAck
            case .userProperty: return true
            }
        }

        /// Whether the property may appear more than once in `location`: User Property anywhere, Subscription
        /// Identifier in PUBLISH (one per matching subscription, MQTT 5.0 §3.3.4). Every other repetition is a
        /// protocol error.
        func mayRepeat(in location: MQTTProperties.Location) -> Bool {
            self == .userProperty || (self == .subscriptionIdentifier && location == .packet(.publish))
        }
    }
}
