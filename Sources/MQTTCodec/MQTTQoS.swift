/// An MQTT quality of service level (MQTT 3.1.1 §4.3).
///
/// An enum rather than a `UInt8` so that the reserved value 3 [MQTT-3.3.1-4] cannot be represented once decoded.
/// Ordered, so the frontend can take `min(publishQoS, subscriptionQoS)` for a delivery.
public enum MQTTQoS: UInt8, Sendable, Equatable, Hashable, Comparable, CustomStringConvertible {
    /// QoS 0: at most once, no acknowledgement.
    case atMostOnce = 0
    /// QoS 1: at least once, acknowledged by PUBACK.
    case atLeastOnce = 1
    /// QoS 2: exactly once, PUBREC / PUBREL / PUBCOMP.
    case exactlyOnce = 2

    public static func < (lhs: MQTTQoS, rhs: MQTTQoS) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "QoS \(rawValue)" }
}
