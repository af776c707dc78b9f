import AMQPValues

/// The MQTT view of a message's properties (design §4): how the bridge reads and writes
/// `x-mqtt-publish-qos`, `x-mqtt-retain` and delivery_mode.
extension Message {
    /// The QoS a message with `properties` was published with: `x-mqtt-publish-qos` if present, else 1 for
    /// delivery_mode 2, else 0.
    static func mqttPublishQoS(of properties: BasicProperties) -> UInt8 {
        if let h = properties.headers, let q = h[Self.publishQoSHeader]?.intValue {
            return UInt8(clamping: max(0, min(2, q)))
        }
        return properties.deliveryMode == 2 ? 1 : 0
    }

    /// True when it was published over MQTT with RETAIN set (`x-mqtt-retain`).
    public var mqttRetain: Bool {
        guard case .bool(true)? = properties.headers?[Self.retainHeader] else { return false }
        return true
    }

    /// Properties for a message published over MQTT: delivery_mode 2 for QoS >= 1, `x-mqtt-publish-qos`
    /// always, `x-mqtt-retain` when set. The six possible values are built once and shared.
    public static func mqttProperties(qos: UInt8, retain: Bool) -> BasicProperties {
        mqttPropertyValues[Int(min(qos, 2)) * 2 + (retain ? 1 : 0)]
    }

    /// Built once: a `ByteString` literal would allocate on every lookup (this runs per MQTT delivery).
    private static let publishQoSHeader: ByteString = "x-mqtt-publish-qos"
    private static let retainHeader: ByteString = "x-mqtt-retain"

    private static let mqttPropertyValues: [BasicProperties] = (0...2).flatMap { q in
        [false, true].map { retain -> BasicProperties in
            var t: FieldTable = ["x-mqtt-publish-qos": .int8(Int8(q))]
            if retain { t["x-mqtt-retain"] = .bool(true) }
            var p = BasicProperties()
            p.deliveryMode = q >= 1 ? 2 : 1
            p.headers = t
            return p
        }
    }
}
