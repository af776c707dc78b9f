import AMQPModel
import FrontendSupport
import HTTPCodec
import JSON

extension APIRequest {
    /// `/api/consumers[/v]`: every consumer of the visible queues (AMQP consumers and MQTT sessions alike), with
    /// its queue and connection, as RabbitMQ lists them.
    func consumers(_ p: [String]) throws(ManagementError) -> HTTPResponse {
        guard isRead else { throw .methodNotAllowed(method) }
        guard p.count <= 1 else { throw .notFound(http.target) }
        var items: [JSONValue] = []
        for vhost in try visibleVHosts(p.first) {
            for q in vhost.queues {
                for h in q.consumers {
                    let connection = (h.consumer as? any LoopConsumer)?.connectionName ?? ""
                    items.append(
                        .table([
                            "consumer_tag": .string(h.tag.string), "ack_required": .bool(!h.noAck),
                            "exclusive": .bool(h.exclusive), "prefetch_count": .int(Int64(h.prefetchLimit)),
                            "queue": .table(["name": .string(q.name.string), "vhost": .string(vhost.name)]),
                            "channel_details": .table([
                                "connection_name": .string(connection), "number": .int(Int64(h.channelID)),
                                "name": .string("\(connection) (\(h.channelID))"),
                            ]),
                        ]))
                }
            }
        }
        return try list(items)
    }
}
