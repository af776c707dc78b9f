import AMQPModel
import AMQPValues
import HTTPCodec
import JSON

extension APIRequest {
    /// `/api/health/checks/{alarms|virtual-hosts|port-listener/{port}}`: 200 `{"status":"ok"}` or 503 with the
    /// reason, as RabbitMQ answers.
    func health(_ p: [String]) throws(ManagementError) -> HTTPResponse {
        guard isRead else { throw .methodNotAllowed(method) }
        guard p.count >= 2, p[0] == "checks" else { throw .notFound(http.target) }
        switch (p[1], p.count) {
        case ("alarms", 2):
            switch broker.resourceAlarm.cause {
            case nil: return ok
            case .memory?: return failed("resource alarm(s) in effect: memory")
            case .disk?: return failed("resource alarm(s) in effect: disk")
            }
        case ("virtual-hosts", 2):
            return ok
        case ("port-listener", 3):
            guard let port = Int(p[2]) else { throw .badRequest("'\(p[2])' is not a port number") }
            let ports = server.listeners.map(\.port)
            guard ports.contains(port) else {
                return APIResponse.json(
                    .table([
                        "status": .string("failed"), "reason": .string("No active listener"),
                        "missing": .int(Int64(port)), "ports": .array(ports.map { .int(Int64($0)) }),
                    ]), status: .serviceUnavailable)
            }
            return ok
        default:
            throw .notFound(http.target)
        }
    }

    /// `GET /api/aliveness-test/{vhost}`: declares the queue `aliveness-test`, publishes a message to it and gets it
    /// back.
    func alivenessTest(_ p: [String]) throws(ManagementError) -> HTTPResponse {
        guard isRead else { throw .methodNotAllowed(method) }
        guard p.count == 1 else { throw .notFound(http.target) }
        let vhost = try writableVHost(p[0])
        let name: ByteString = "aliveness-test"
        let q: Queue
        do {
            q = try vhost.declareQueue(
                name: name, durable: false, exclusiveOwner: nil, autoDelete: false, arguments: FieldTable(),
                connection: 0
            ).queue
        } catch {
            throw error.management
        }
        let message = Message(
            exchange: "", routingKey: name, properties: BasicProperties(), body: Array("test_message".utf8),
            alarm: broker.resourceAlarm)
        _ = vhost.publish(message, directlyTo: q)
        guard let (entry, _) = q.get(noAck: true), entry.message.body == message.body else {
            return failed("the test message did not come back")
        }
        return ok
    }

    private var ok: HTTPResponse { APIResponse.json(.table(["status": .string("ok")])) }

    private func failed(_ reason: String) -> HTTPResponse {
        APIResponse.json(.table(["status": .string("failed"), "reason": .string(reason)]), status: .serviceUnavailable)
    }
}
