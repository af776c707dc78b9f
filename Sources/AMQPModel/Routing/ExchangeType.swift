/// The routing algorithm of an exchange.
///
/// The raw value is the type name clients send in `exchange.declare` (AMQP 0-9-1 §3.1.3).
/// `mqtt` is ours: MQTT 3.1.1 §4.7 filter semantics with `/`-separated levels, used by `mqtt.default`.
public enum ExchangeType: String, Sendable, CaseIterable {
    /// Routing key equals binding key.
    case direct
    /// Every bound destination, key ignored.
    case fanout
    /// AMQP topic patterns: `.`-separated words, `*` one word, `#` zero or more words.
    case topic
    /// Message headers against binding arguments (`x-match`).
    case headers
    /// MQTT topic filters: `/`-separated levels, `+` one level, `#` the rest including the parent.
    case mqtt
}
