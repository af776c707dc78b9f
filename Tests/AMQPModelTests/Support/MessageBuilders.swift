import AMQPValues

@testable import AMQPModel

/// The alarm the test messages count against (never raised: its watermark is unlimited).
let testAlarm = ResourceAlarm()

/// A message with a text body.
func message(
    _ body: String, exchange: ByteString = "", key: ByteString = "", properties: BasicProperties = BasicProperties(),
    alarm: ResourceAlarm = testAlarm
) -> Message {
    Message(exchange: exchange, routingKey: key, properties: properties, body: Array(body.utf8), alarm: alarm)
}

/// Properties with an expiration and headers.
func properties(expiration: String? = nil, headers: FieldTable? = nil) -> BasicProperties {
    var p = BasicProperties()
    if let expiration { p.expiration = ByteString(expiration) }
    p.headers = headers
    return p
}
