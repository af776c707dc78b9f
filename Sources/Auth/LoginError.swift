/// Why a login was refused, for the broker's log. Clients get only the protocol's generic refusal (AMQP 403,
/// MQTT CONNACK 0x04), so a prober learns nothing about which check failed.
public struct LoginError: Error, Sendable, CustomStringConvertible, Equatable {
    /// A sentence naming the user and the failed check, without any secret.
    public let message: String

    public var description: String { message }

    public init(_ message: String) {
        self.message = message
    }
}
