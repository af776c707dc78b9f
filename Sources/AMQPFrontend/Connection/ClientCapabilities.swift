import AMQPValues

/// The RabbitMQ extensions a client announced in connection.start-ok's client-properties.
struct ClientCapabilities {
    /// The client understands a server-sent basic.cancel (queue deleted under a consumer).
    var consumerCancelNotify = false
    /// The client understands connection.blocked / connection.unblocked.
    var connectionBlocked = false

    init() {}

    init(clientProperties: FieldTable) {
        guard case .table(let caps)? = clientProperties["capabilities"] else { return }
        consumerCancelNotify = caps["consumer_cancel_notify"]?.boolValue ?? false
        connectionBlocked = caps["connection.blocked"]?.boolValue ?? false
    }
}
