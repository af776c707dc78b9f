/// `[mqtt] client_id_validation`: what an MQTT client id must satisfy, beyond the protocol's own rules.
public enum ClientIdValidation: String, Sendable, Equatable, CaseIterable {
    /// Any client id the protocol allows.
    case none
    /// The client id must equal the (vhost-stripped) username; otherwise CONNACK 0x02 (v5: 0x85).
    case username
}
