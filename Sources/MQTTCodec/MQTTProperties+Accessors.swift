import AMQPValues

/// Typed access to the properties, one accessor per property of MQTT 5.0 Table 2-4.
///
/// A getter returns the value of the first property with that identifier (nil when there is none; the decoder lets
/// only User Property and, in PUBLISH, Subscription Identifier repeat). A setter replaces every property with that
/// identifier by the new value, at the place of the first one (or at the end), and nil removes them; the other
/// properties keep their order.
extension MQTTProperties {
    /// Payload Format Indicator (0x01): true when the payload is UTF-8 character data.
    public var payloadFormatIndicator: Bool? {
        get { first { if case .payloadFormatIndicator(let v) = $0 { v } else { nil } } }
        set { replace(.payloadFormatIndicator, with: newValue.map { [.payloadFormatIndicator($0)] } ?? []) }
    }

    /// Message Expiry Interval (0x02), in seconds.
    public var messageExpiryInterval: UInt32? {
        get { first { if case .messageExpiryInterval(let v) = $0 { v } else { nil } } }
        set { replace(.messageExpiryInterval, with: newValue.map { [.messageExpiryInterval($0)] } ?? []) }
    }

    /// Content Type (0x03).
    public var contentType: ByteString? {
        get { first { if case .contentType(let v) = $0 { v } else { nil } } }
        set { replace(.contentType, with: newValue.map { [.contentType($0)] } ?? []) }
    }

    /// Response Topic (0x08).
    public var responseTopic: ByteString? {
        get { first { if case .responseTopic(let v) = $0 { v } else { nil } } }
        set { replace(.responseTopic, with: newValue.map { [.responseTopic($0)] } ?? []) }
    }

    /// Correlation Data (0x09).
    public var correlationData: [UInt8]? {
        get { first { if case .correlationData(let v) = $0 { v } else { nil } } }
        set { replace(.correlationData, with: newValue.map { [.correlationData($0)] } ?? []) }
    }

    /// Session Expiry Interval (0x11), in seconds.
    public var sessionExpiryInterval: UInt32? {
        get { first { if case .sessionExpiryInterval(let v) = $0 { v } else { nil } } }
        set { replace(.sessionExpiryInterval, with: newValue.map { [.sessionExpiryInterval($0)] } ?? []) }
    }

    /// Assigned Client Identifier (0x12).
    public var assignedClientIdentifier: ByteString? {
        get { first { if case .assignedClientIdentifier(let v) = $0 { v } else { nil } } }
        set { replace(.assignedClientIdentifier, with: newValue.map { [.assignedClientIdentifier($0)] } ?? []) }
    }

    /// Server Keep Alive (0x13), in seconds.
    public var serverKeepAlive: UInt16? {
        get { first { if case .serverKeepAlive(let v) = $0 { v } else { nil } } }
        set { replace(.serverKeepAlive, with: newValue.map { [.serverKeepAlive($0)] } ?? []) }
    }

    /// Authentication Method (0x15).
    public var authenticationMethod: ByteString? {
        get { first { if case .authenticationMethod(let v) = $0 { v } else { nil } } }
        set { replace(.authenticationMethod, with: newValue.map { [.authenticationMethod($0)] } ?? []) }
    }

    /// Authentication Data (0x16).
    public var authenticationData: [UInt8]? {
        get { first { if case .authenticationData(let v) = $0 { v } else { nil } } }
        set { replace(.authenticationData, with: newValue.map { [.authenticationData($0)] } ?? []) }
    }

    /// Request Problem Information (0x17); absent means true.
    public var requestProblemInformation: Bool? {
        get { first { if case .requestProblemInformation(let v) = $0 { v } else { nil } } }
        set { replace(.requestProblemInformation, with: newValue.map { [.requestProblemInformation($0)] } ?? []) }
    }

    /// Will Delay Interval (0x18), in seconds.
    public var willDelayInterval: UInt32? {
        get { first { if case .willDelayInterval(let v) = $0 { v } else { nil } } }
        set { replace(.willDelayInterval, with: newValue.map { [.willDelayInterval($0)] } ?? []) }
    }

    /// Request Response Information (0x19); absent means false.
    public var requestResponseInformation: Bool? {
        get { first { if case .requestResponseInformation(let v) = $0 { v } else { nil } } }
        set { replace(.requestResponseInformation, with: newValue.map { [.requestResponseInformation($0)] } ?? []) }
    }

    /// Response Information (0x1A).
    public var responseInformation: ByteString? {
        get { first { if case .responseInformation(let v) = $0 { v } else { nil } } }
        set { replace(.responseInformation, with: newValue.map { [.responseInformation($0)] } ?? []) }
    }

    /// Server Reference (0x1C).
    public var serverReference: ByteString? {
        get { first { if case .serverReference(let v) = $0 { v } else { nil } } }
        set { replace(.serverReference, with: newValue.map { [.serverReference($0)] } ?? []) }
    }

    /// Reason String (0x1F).
    public var reasonString: ByteString? {
        get { first { if case .reasonString(let v) = $0 { v } else { nil } } }
        set { replace(.reasonString, with: newValue.map { [.reasonString($0)] } ?? []) }
    }

    /// Receive Maximum (0x21); absent means 65535.
    public var receiveMaximum: UInt16? {
        get { first { if case .receiveMaximum(let v) = $0 { v } else { nil } } }
        set { replace(.receiveMaximum, with: newValue.map { [.receiveMaximum($0)] } ?? []) }
    }

    /// Topic Alias Maximum (0x22); absent means 0.
    public var topicAliasMaximum: UInt16? {
        get { first { if case .topicAliasMaximum(let v) = $0 { v } else { nil } } }
        set { replace(.topicAliasMaximum, with: newValue.map { [.topicAliasMaximum($0)] } ?? []) }
    }

    /// Topic Alias (0x23); its range against the negotiated maximum is the frontend's check.
    public var topicAlias: UInt16? {
        get { first { if case .topicAlias(let v) = $0 { v } else { nil } } }
        set { replace(.topicAlias, with: newValue.map { [.topicAlias($0)] } ?? []) }
    }

    /// Maximum QoS (0x24), QoS 0 or 1; absent means QoS 2.
    public var maximumQoS: MQTTQoS? {
        get { first { if case .maximumQoS(let v) = $0 { v } else { nil } } }
        set { replace(.maximumQoS, with: newValue.map { [.maximumQoS($0)] } ?? []) }
    }

    /// Retain Available (0x25); absent means true.
    public var retainAvailable: Bool? {
        get { first { if case .retainAvailable(let v) = $0 { v } else { nil } } }
        set { replace(.retainAvailable, with: newValue.map { [.retainAvailable($0)] } ?? []) }
    }

    /// Maximum Packet Size (0x27); absent means no limit beyond the protocol's.
    public var maximumPacketSize: UInt32? {
        get { first { if case .maximumPacketSize(let v) = $0 { v } else { nil } } }
        set { replace(.maximumPacketSize, with: newValue.map { [.maximumPacketSize($0)] } ?? []) }
    }

    /// Wildcard Subscription Available (0x28); absent means true.
    public var wildcardSubscriptionAvailable: Bool? {
        get { first { if case .wildcardSubscriptionAvailable(let v) = $0 { v } else { nil } } }
        set {
            replace(.wildcardSubscriptionAvailable, with: newValue.map { [.wildcardSubscriptionAvailable($0)] } ?? [])
        }
    }

    /// Subscription Identifier Available (0x29); absent means true.
    public var subscriptionIdentifierAvailable: Bool? {
        get { first { if case .subscriptionIdentifierAvailable(let v) = $0 { v } else { nil } } }
        set {
            replace(
                .subscriptionIdentifierAvailable, with: newValue.map { [.subscriptionIdentifierAvailable($0)] } ?? [])
        }
    }

    /// Shared Subscription Available (0x2A); absent means true.
    public var sharedSubscriptionAvailable: Bool? {
        get { first { if case .sharedSubscriptionAvailable(let v) = $0 { v } else { nil } } }
        set { replace(.sharedSubscriptionAvailable, with: newValue.map { [.sharedSubscriptionAvailable($0)] } ?? []) }
    }

    /// Subscription Identifiers (0x0B) in order: one in SUBSCRIBE, one per matching subscription in PUBLISH.
    public var subscriptionIdentifiers: [Int] {
        get { list.compactMap { if case .subscriptionIdentifier(let v) = $0 { v } else { nil } } }
        set { replace(.subscriptionIdentifier, with: newValue.map { .subscriptionIdentifier($0) }) }
    }

    /// User Properties (0x26) in order, names possibly repeated.
    public var userProperties: [(name: ByteString, value: ByteString)] {
        get { list.compactMap { if case .userProperty(let name, let value) = $0 { (name, value) } else { nil } } }
        set { replace(.userProperty, with: newValue.map { .userProperty(name: $0.name, value: $0.value) }) }
    }

    /// The first value `extract` finds, in wire order.
    private func first<T>(_ extract: (MQTTProperty) -> T?) -> T? {
        for property in list {
            if let value = extract(property) { return value }
        }
        return nil
    }

    /// Replaces the properties with `id` by `properties`, at the place of the first one or else at the end.
    private mutating func replace(_ id: MQTTProperty.Identifier, with properties: [MQTTProperty]) {
        let index = list.firstIndex { $0.identifier == id } ?? list.count
        list.removeAll { $0.identifier == id }
        list.insert(contentsOf: properties, at: index)
    }
}
