import AMQPModel
import HTTPCodec

/// `/metrics` (aggregated) and `/metrics/detailed` (per queue, with `family=queue_coarse_metrics` and `vhost=`
/// filters) in Prometheus' text format, with RabbitMQ's metric names where one exists and `gateway_` ones for the
/// rest. Unauthenticated, like RabbitMQ's Prometheus endpoint: bind the management port to a trusted address.
struct Metrics {
    let server: ManagementServer

    func response(_ request: HTTPRequest) -> HTTPResponse {
        let p = request.pathSegments
        guard request.method == "GET" || request.method == "HEAD" else {
            return ManagementError.methodNotAllowed(request.method).response
        }
        let text: String
        switch p.count {
        case 1: text = aggregated()
        case 2 where p[1] == "detailed":
            text = detailed(
                families: request.queryValue("family").map { $0.split(separator: ",").map(String.init) },
                vhosts: request.query.filter { $0.name == "vhost" }.map(\.value))
        default: return ManagementError.notFound(request.target).response
        }
        return HTTPResponse(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: Array(text.utf8))
    }

    private func aggregated() -> String {
        let broker = server.broker
        let vhosts = broker.vhosts
        let queues = vhosts.flatMap(\.queues)
        let alarm = broker.resourceAlarm
        var out = PrometheusExposition()
        out.single("rabbitmq_connections", "gauge", "Client connections (AMQP and MQTT) open now.", server.connections.connectionCount)
        out.single("rabbitmq_queues", "gauge", "Queues.", queues.count)
        out.single("rabbitmq_consumers", "gauge", "Consumers on all queues.", queues.reduce(0) { $0 + $1.consumerCount })
        out.single(
            "rabbitmq_queue_messages_ready", "gauge", "Messages ready to be delivered, over all queues.",
            queues.reduce(0) { $0 + $1.messageCount })
        out.single(
            "rabbitmq_queue_messages_unacked", "gauge", "Messages delivered and not yet acknowledged, over all queues.",
            queues.reduce(0) { $0 + $1.unackedCount })
        out.single(
            "rabbitmq_queue_messages_ready_bytes", "gauge", "Body bytes of the ready messages, over all queues.",
            queues.reduce(0) { $0 + $1.messageBytes })
        let stats = queues.reduce(QueueStats()) { $0 + $1.stats }
        out.single(
            "rabbitmq_global_messages_routed_total", "counter", "Messages that entered a queue (one per queue).",
            stats.published)
        out.single(
            "rabbitmq_global_messages_delivered_total", "counter", "Messages delivered to consumers and basic.get.",
            stats.delivered)
        out.single(
            "rabbitmq_global_messages_redelivered_total", "counter", "Deliveries of messages delivered before.",
            stats.redelivered)
        out.single(
            "rabbitmq_global_messages_acknowledged_total", "counter", "Deliveries acknowledged or settled.",
            stats.acknowledged)
        out.single(
            "gateway_messages_dropped_total", "counter",
            "Messages that left a queue undelivered: expired, over max-length, rejected.", stats.dropped)
        out.single("gateway_vhosts", "gauge", "Virtual hosts.", vhosts.count)
        out.single(
            "gateway_mqtt_sessions", "gauge", "MQTT sessions (queues named mqtt.<client_id>).",
            queues.filter { $0.name.bytes.starts(with: Array("mqtt.".utf8)) }.count)
        out.single(
            "gateway_mqtt_retained_messages", "gauge", "Retained MQTT messages.",
            vhosts.reduce(0) { $0 + $1.retained.count })
        out.single(
            "gateway_message_memory_bytes", "gauge", "Bytes held by live messages (what max_message_memory limits).",
            alarm.liveBytes)
        out.family("gateway_resource_alarm", "gauge", "1 while the resource alarm blocks publishers.")
        out.sample("gateway_resource_alarm", [("resource", "memory")], alarm.cause == .memory ? 1 : 0)
        out.sample("gateway_resource_alarm", [("resource", "disk")], alarm.isDiskAlarmed ? 1 : 0)
        if let cluster = server.configuration.clusterStatus?(), cluster.role == "leader" {
            out.single(
                "total_connected_followers", "gauge", "Followers connected to this leader.", cluster.followers.count)
            out.single(
                "gateway_in_sync_followers", "gauge", "Followers in the in-sync replica set.",
                cluster.followers.filter(\.inSync).count)
            out.family("follower_lag_in_bytes", "gauge", "Bytes of changes a follower has not acknowledged.")
            for f in cluster.followers {
                out.sample("follower_lag_in_bytes", [("follower", f.node)], Int(clamping: f.lagBytes))
            }
        }
        if let rounds = broker.storage?.coordinator.roundLatency {
            let name = "gateway_sync_round_seconds"
            out.family(name, "histogram", "Duration of the sync thread's rounds (write records, fsync) that confirm messages.")
            for (i, bound) in RoundLatencyHistogram.bounds.enumerated() {
                out.sample(name + "_bucket", [("le", String(bound))], rounds.cumulative[i])
            }
            out.sample(name + "_bucket", [("le", "+Inf")], rounds.count)
            out.sample(name + "_sum", [], double: rounds.sum)
            out.sample(name + "_count", [], rounds.count)
        }
        out.single(
            "gateway_publisher_pauses_total", "counter",
            "Times a publishing connection stopped being read: resource alarm or an overloaded queue.",
            alarm.publisherPauses)
        let clients = server.connections.statistics()
        let channels = clients.channels.values
        out.single("rabbitmq_channels", "gauge", "AMQP channels open now.", channels.count)
        out.single(
            "rabbitmq_connection_incoming_bytes_total", "counter", "Bytes received by the open client connections.",
            Int(clamping: clients.traffic.values.reduce(0) { $0 &+ $1.received }))
        out.single(
            "rabbitmq_connection_outgoing_bytes_total", "counter", "Bytes sent by the open client connections.",
            Int(clamping: clients.traffic.values.reduce(0) { $0 &+ $1.sent }))
        out.single(
            "rabbitmq_channel_messages_published_total", "counter", "basic.publish received on the open channels.",
            channels.reduce(0) { $0 + $1.publish })
        out.single(
            "rabbitmq_channel_messages_confirmed_total", "counter", "Publishes confirmed on the open channels.",
            channels.reduce(0) { $0 + $1.confirm })
        out.single(
            "rabbitmq_channel_messages_unroutable_returned_total", "counter",
            "Mandatory publishes returned as unroutable on the open channels.",
            channels.reduce(0) { $0 + $1.returnUnroutable })
        out.single("rabbitmq_process_resident_memory_bytes", "gauge", "Resident memory of the broker process.", ProcessStats.residentBytes())
        out.single("rabbitmq_process_open_fds", "gauge", "Open file descriptors.", ProcessStats.openFileCount())
        out.single("rabbitmq_process_max_fds", "gauge", "The open file limit.", ProcessStats.fileLimit())
        return out.text
    }

    private func detailed(families: [String]?, vhosts names: [String]) -> String {
        var out = PrometheusExposition()
        guard families == nil || families!.contains("queue_coarse_metrics") else { return out.text }
        let vhosts = server.broker.vhosts.filter { names.isEmpty || names.contains($0.name) }
        let rows = vhosts.flatMap { v in v.queues.map { (v.name, $0) } }
        func family(_ name: String, _ help: String, _ value: (Queue) -> Int) {
            out.family(name, "gauge", help)
            for (vhost, q) in rows { out.sample(name, [("vhost", vhost), ("queue", q.name.string)], value(q)) }
        }
        family("rabbitmq_detailed_queue_messages_ready", "Messages ready to be delivered.") { $0.messageCount }
        family("rabbitmq_detailed_queue_messages_unacked", "Messages delivered and not yet acknowledged.") { $0.unackedCount }
        family("rabbitmq_detailed_queue_messages", "Messages ready and unacknowledged.") { $0.messageCount + $0.unackedCount }
        family("rabbitmq_detailed_queue_consumers", "Consumers.") { $0.consumerCount }
        out.family("rabbitmq_detailed_queue_messages_published_total", "counter", "Messages that entered the queue.")
        for (vhost, q) in rows {
            out.sample(
                "rabbitmq_detailed_queue_messages_published_total", [("vhost", vhost), ("queue", q.name.string)],
                q.stats.published)
        }
        return out.text
    }

}
