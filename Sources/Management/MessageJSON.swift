import AMQPModel
import AMQPValues
import Auth
import Bytes
import GatewayConfig
import JSON

/// Messages and their properties in the management API's JSON (RabbitMQ's keys), both ways.
enum MessageJSON {
    /// The properties of `p` that are set.
    static func properties(_ p: BasicProperties) -> JSONValue {
        var t: [String: JSONValue] = [:]
        func text(_ key: String, _ v: ByteString?) { if let v { t[key] = .string(v.string) } }
        text("content_type", p.contentType)
        text("content_encoding", p.contentEncoding)
        if let h = p.headers { t["headers"] = .table(DefinitionsExporter.arguments(h)) }
        if let d = p.deliveryMode { t["delivery_mode"] = .int(Int64(d)) }
        if let pr = p.priority { t["priority"] = .int(Int64(pr)) }
        text("correlation_id", p.correlationId)
        text("reply_to", p.replyTo)
        text("expiration", p.expiration)
        text("message_id", p.messageId)
        if let ts = p.timestamp { t["timestamp"] = .int(Int64(clamping: ts)) }
        text("type", p.type)
        text("user_id", p.userId)
        text("app_id", p.appId)
        text("cluster_id", p.clusterId)
        return .table(t)
    }

    /// Properties from a publish body's `properties` object.
    static func properties(from t: [String: JSONValue]) throws(ManagementError) -> BasicProperties {
        var p = BasicProperties()
        func text(_ key: String) throws(ManagementError) -> ByteString? { try t.string(key).map { ByteString($0) } }
        p.contentType = try text("content_type")
        p.contentEncoding = try text("content_encoding")
        let headers = try t.object("headers")
        if !headers.isEmpty { p.headers = FieldTable(definitionArguments: headers) }
        if let d = try t.int("delivery_mode") {
            guard d == 1 || d == 2 else { throw .badRequest("'delivery_mode' must be 1 or 2") }
            p.deliveryMode = UInt8(d)
        }
        if let pr = try t.int("priority") {
            guard (0...255).contains(pr) else { throw .badRequest("'priority' must be 0 to 255") }
            p.priority = UInt8(pr)
        }
        p.correlationId = try text("correlation_id")
        p.replyTo = try text("reply_to")
        p.expiration = try text("expiration")
        p.messageId = try text("message_id")
        if let ts = try t.int("timestamp") { p.timestamp = UInt64(clamping: ts) }
        p.type = try text("type")
        p.userId = try text("user_id")
        p.appId = try text("app_id")
        return p
    }

    /// The body as the API sends it: UTF-8 text when `encoding` is `auto` and it is valid UTF-8, else base64.
    static func payload(_ body: [UInt8], encoding: String) -> (payload: String, encoding: String) {
        if encoding == "auto", let text = String(validating: body, as: UTF8.self) { return (text, "string") }
        return (Base64.encode(body), "base64")
    }
}
