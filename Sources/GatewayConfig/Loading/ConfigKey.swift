/// One configuration key: the section and name it has in the INI file, and how its text value is applied.
///
/// The same key is reachable from the file (`[amqp] port`), the environment (`GATEWAY_AMQP_PORT`) and sometimes a
/// flag (`--amqp-port`); all three go through ``apply``, so a value means the same thing wherever it comes from.
struct ConfigKey: Sendable {
    /// The INI section, e.g. "amqp".
    let section: String
    /// The key within the section, e.g. "tls_port".
    let name: String
    /// Parses `text` and stores the result in the configuration.
    let apply: @Sendable (inout GatewayConfiguration, String) throws(ValueError) -> Void

    /// `section.name`, used to refer to keys from the flag table.
    var qualifiedName: String { "\(section).\(name)" }

    /// `GATEWAY_<SECTION>_<KEY>`, upper-cased.
    var environmentName: String { "GATEWAY_\(section.uppercased())_\(name.uppercased())" }

    /// The key named `section.name`, if there is one.
    static func named(_ qualifiedName: String) -> ConfigKey? {
        all.first { $0.qualifiedName == qualifiedName }
    }

    /// The sections a file may contain.
    static let sections = ["main", "amqp", "mqtt", "mgmt", "oauth", "clustering"]
}
