import AMQPModel
import AMQPValues
import MQTTCodec

/// The MQTT 5 options of one subscription (MQTT 5.0 §3.8.3.1, §3.8.2.1.2), kept in its binding's arguments so a
/// persistent session has them after a restart.
struct MQTTSubscriptionOptions: Equatable {
    var qos: UInt8
    /// Messages this client publishes are not sent back to it [MQTT-3.8.3-3].
    var noLocal = false
    /// Deliveries keep the RETAIN flag they were published with [MQTT-3.3.1-12].
    var retainAsPublished = false
    /// The subscription identifier sent with matching deliveries; nil: none.
    var identifier: Int?

    static let qosKey: ByteString = "x-mqtt-qos"
    static let noLocalKey: ByteString = "x-mqtt-no-local"
    static let retainAsPublishedKey: ByteString = "x-mqtt-retain-as-published"
    static let identifierKey: ByteString = "x-mqtt-subscription-identifier"

    /// The binding arguments: `x-mqtt-qos` always (the core routes on it), the others only when set.
    var arguments: FieldTable {
        var t: FieldTable = [Self.qosKey: .uint8(qos)]
        if noLocal { t[Self.noLocalKey] = .bool(true) }
        if retainAsPublished { t[Self.retainAsPublishedKey] = .bool(true) }
        if let identifier { t[Self.identifierKey] = .int32(Int32(identifier)) }
        return t
    }

    /// True when nothing but the QoS is set (every MQTT 3.1.1 subscription).
    var isPlain: Bool { !noLocal && !retainAsPublished && identifier == nil }

    init(qos: UInt8, noLocal: Bool = false, retainAsPublished: Bool = false, identifier: Int? = nil) {
        self.qos = qos
        self.noLocal = noLocal
        self.retainAsPublished = retainAsPublished
        self.identifier = identifier
    }

    /// Read back from a binding's arguments.
    init(arguments: FieldTable) {
        qos = UInt8(clamping: max(0, min(2, arguments[Self.qosKey]?.intValue ?? 0)))
        if case .bool(true)? = arguments[Self.noLocalKey] { noLocal = true }
        if case .bool(true)? = arguments[Self.retainAsPublishedKey] { retainAsPublished = true }
        identifier = arguments[Self.identifierKey]?.intValue.map { Int($0) }
    }
}

/// The subscriptions of an MQTT 5 session that carry options besides their QoS, by filter: what a delivery and a
/// publish consult (subscription identifiers, retain as published, no local). Empty for most sessions, and then
/// nothing is matched per message.
struct MQTTSubscriptionTable {
    private(set) var options: [ByteString: MQTTSubscriptionOptions] = [:]
    /// How many subscriptions are "no local".
    private var noLocalCount = 0
    /// How many subscriptions have an identifier or keep RETAIN as published.
    private var deliveryCount = 0
    /// Every filter of the session when some is "no local": to tell whether another subscription wants the copy.
    private(set) var allFilters: Set<ByteString> = []

    /// A subscription to `filter` was made or replaced.
    mutating func set(_ filter: ByteString, _ o: MQTTSubscriptionOptions) {
        remove(filter)
        allFilters.insert(filter)
        guard !o.isPlain else { return }
        options[filter] = o
        if o.noLocal { noLocalCount += 1 }
        if o.identifier != nil || o.retainAsPublished { deliveryCount += 1 }
    }

    /// The subscription to `filter` ended.
    mutating func remove(_ filter: ByteString) {
        allFilters.remove(filter)
        guard let old = options.removeValue(forKey: filter) else { return }
        if old.noLocal { noLocalCount -= 1 }
        if old.identifier != nil || old.retainAsPublished { deliveryCount -= 1 }
    }

    /// True when some subscription has options to apply on delivery.
    var hasDeliveryOptions: Bool { deliveryCount > 0 }

    /// The subscription identifiers of the subscriptions matching `topic`, ascending, and whether one of them keeps
    /// the RETAIN flag as published.
    func delivery(topic: ByteString) -> (identifiers: [Int], retainAsPublished: Bool) {
        var ids: [Int] = []
        var rap = false
        for (filter, o) in options where MQTTTopicFilter.matches(filter: filter, topic: topic) {
            if let id = o.identifier { ids.append(id) }
            if o.retainAsPublished { rap = true }
        }
        return (ids.sorted(), rap)
    }

    /// True when the session's own publish to `topic` must not reach its own queue: it matches some subscription
    /// and every one it matches is "no local" [MQTT-3.8.3-3].
    func excludesOwnPublish(topic: ByteString) -> Bool {
        guard noLocalCount > 0 else { return false }
        var matched = false
        for filter in allFilters where MQTTTopicFilter.matches(filter: filter, topic: topic) {
            guard options[filter]?.noLocal == true else { return false }
            matched = true
        }
        return matched
    }
}
