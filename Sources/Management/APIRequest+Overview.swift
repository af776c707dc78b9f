import AMQPModel
import Clocks
import HTTPCodec
import JSON

#if canImport(Glibc)
    import Glibc
#endif

extension APIRequest {
    /// `GET /api/overview`: versions, node, listeners and totals over the vhosts the user may see.
    func overview() throws(ManagementError) -> HTTPResponse {
        let config = server.configuration
        let vhosts = broker.vhosts.filter { user.maySee(vhost: $0.name) }
        let queues = vhosts.flatMap(\.queues)
        let ready = queues.reduce(0) { $0 + $1.messageCount }
        let unacked = queues.reduce(0) { $0 + $1.unackedCount }
        let listeners: [JSONValue] = server.listeners.map {
            .table([
                "node": .string(config.nodeName), "protocol": .string($0.protocolName),
                "ip_address": .string($0.address), "port": .int(Int64($0.port)),
            ])
        }
        return APIResponse.json(
            .table([
                "management_version": .string(config.productVersion),
                "rabbitmq_version": .string(config.productVersion),
                "product_name": .string("Gateway"),
                "product_version": .string(config.productVersion),
                "cluster_name": .string(config.nodeName),
                "node": .string(config.nodeName),
                "object_totals": .table([
                    "connections": .int(Int64(user.isMonitoring ? server.connections.connectionCount : 0)),
                    "channels": .int(Int64(user.isMonitoring ? server.connections.channels.count : 0)),
                    "exchanges": .int(Int64(vhosts.reduce(0) { $0 + $1.exchanges.count })),
                    "queues": .int(Int64(queues.count)),
                    "consumers": .int(Int64(queues.reduce(0) { $0 + $1.consumerCount })),
                ]),
                "queue_totals": .table([
                    "messages": .int(Int64(ready + unacked)), "messages_ready": .int(Int64(ready)),
                    "messages_unacknowledged": .int(Int64(unacked)),
                ]),
                "message_stats": server.sampler.messageStats(
                    queues.reduce(QueueStats()) { $0 + $1.stats }, totalFor: user.name),
                "listeners": .array(listeners),
            ]))
    }

    /// `GET /api/whoami`.
    func whoami() -> HTTPResponse {
        APIResponse.json(.table(["name": .string(user.name), "tags": .array(user.tags.map { .string($0) })]))
    }

    /// `GET /api/nodes[/name]`: this node (monitoring).
    func nodes(_ name: String?) throws(ManagementError) -> HTTPResponse {
        try user.requireMonitoring()
        let config = server.configuration
        let alarm = server.broker.resourceAlarm
        var node: [String: JSONValue] = [
            "name": .string(config.nodeName), "type": .string("disc"), "running": .bool(true),
            "os_pid": .string(String(getpid())), "uptime": .int(MonotonicClock.milliseconds() - server.startedAt),
            "processors": .int(Int64(ProcessStats.processors)), "io_threads": .int(Int64(config.ioThreads)),
            "mem_used": .int(Int64(ProcessStats.residentBytes())), "mem_alarm": .bool(alarm.cause == .memory),
            "message_memory_used": .int(Int64(alarm.liveBytes)),
            "fd_used": .int(Int64(ProcessStats.openFileCount())), "fd_total": .int(Int64(ProcessStats.fileLimit())),
            "sockets_used": .int(Int64(server.connections.connectionCount)),
            "sockets_total": .int(Int64(ProcessStats.fileLimit())),
            "disk_free_limit": .int(config.freeDiskLimit), "disk_free_alarm": .bool(alarm.isDiskAlarmed),
            "partitions": .array([]), "being_drained": .bool(false),
        ]
        if config.memoryLimit != .max { node["mem_limit"] = .int(Int64(config.memoryLimit)) }
        if let free = ProcessStats.freeDiskBytes(at: config.dataDirectory) { node["disk_free"] = .int(Int64(free)) }
        if let status = config.clusterStatus?() {
            var cluster: [String: JSONValue] = [
                "role": .string(status.role), "advertised_uri": .string(status.advertisedURI),
                "etcd_endpoints": .array(status.etcdEndpoints.map { .string($0) }),
            ]
            if let leader = status.leader { cluster["leader"] = .string(leader) }
            if status.role == "leader" {
                cluster["isr"] = .array(status.inSyncReplicas.map { .string($0) })
                cluster["followers"] = .array(
                    status.followers.map {
                        .table([
                            "node": .string($0.node), "address": .string($0.address), "in_sync": .bool($0.inSync),
                            "lag_in_bytes": .int(Int64(clamping: $0.lagBytes)),
                        ])
                    })
            }
            node["cluster"] = .table(cluster)
        }
        guard let name else { return try list([.table(node)]) }
        guard name == config.nodeName else { throw .notFound("node '\(name)'") }
        return APIResponse.json(.table(node))
    }
}
