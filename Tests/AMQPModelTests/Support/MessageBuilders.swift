import AMQPValues

@testable import AMQPModel

/// A message with a text body.
func message(
    _ body: String, exchange: ByteString = "", key: ByteString = "", properties: BasicProperties = BasicProperties()
) -> Message {
    Message(exchange: exchange, routingKey: key, properties: properties, body: Array(body.utf8))
}

/// Properties with an expiration and headers.
func properties(expiration: String? = nil, headers: FieldTable? = nil) -> BasicProperties {
    var p = BasicProperties()
    if let expiration { p.expiration = ByteString(expiration) }
    p.headers = headers
    return p
}
