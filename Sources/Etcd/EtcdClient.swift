import Bytes
import HTTPFetch
import JSON

/// A blocking client for etcd v3 through its JSON gateway (`/v3/...`, etcd 3.4 as in Debian's `etcd-server`): the
/// calls clustering needs — leases and their keepalive, put, get, delete, and a compare-and-set campaign for
/// leadership. Keys and values travel base64-encoded and 64-bit numbers as strings, as the gateway wants.
///
/// Each call tries the endpoints in order until one answers (the first that does is tried first next time); never
/// call it on an event loop: it blocks up to `timeout` per endpoint.
public final class EtcdClient: @unchecked Sendable {
    /// `host:port` or `http://host:port` of the cluster members.
    public let endpoints: [String]
    /// Deadline of one request to one endpoint.
    public let timeout: Duration
    private var preferred = 0

    public init(endpoints: [String], timeout: Duration = .seconds(2)) {
        self.endpoints = endpoints.map { $0.hasPrefix("http://") || $0.hasPrefix("https://") ? $0 : "http://" + $0 }
        self.timeout = timeout
    }

    // MARK: - Leases

    /// Grants a lease of `ttl` seconds and returns its id.
    public func grantLease(ttl: Int) throws(EtcdError) -> Int64 {
        let answer = try call("/v3/lease/grant", ["TTL": .int(Int64(ttl))])
        guard let id = Self.int(answer["ID"]), id != 0 else { throw Self.malformed("lease/grant", answer) }
        return id
    }

    /// Renews `lease`; returns the seconds it now has left, 0 when it had already expired (keys under it are gone).
    public func keepAlive(lease: Int64) throws(EtcdError) -> Int {
        let answer = try call("/v3/lease/keepalive", ["ID": .string(String(lease))])
        guard case .table(let result)? = answer["result"] else { throw Self.malformed("lease/keepalive", answer) }
        return Int(Self.int(result["TTL"]) ?? 0)
    }

    /// Revokes `lease`, deleting the keys attached to it at once.
    public func revoke(lease: Int64) throws(EtcdError) {
        _ = try call("/v3/lease/revoke", ["ID": .string(String(lease))])
    }

    // MARK: - Keys

    /// Sets `key` to `value`, attached to `lease` (0: none).
    public func put(_ key: String, _ value: [UInt8], lease: Int64 = 0) throws(EtcdError) {
        var body: [String: JSONValue] = ["key": Self.b64(key), "value": .string(Base64.encode(value))]
        if lease != 0 { body["lease"] = .string(String(lease)) }
        _ = try call("/v3/kv/put", body)
    }

    /// The key, or nil when it does not exist.
    public func get(_ key: String) throws(EtcdError) -> EtcdKeyValue? {
        let answer = try call("/v3/kv/range", ["key": Self.b64(key)])
        guard case .array(let kvs)? = answer["kvs"], let first = kvs.first else { return nil }
        return try Self.keyValue(first)
    }

    /// Deletes `key`; true when it existed.
    @discardableResult
    public func delete(_ key: String) throws(EtcdError) -> Bool {
        let answer = try call("/v3/kv/deleterange", ["key": Self.b64(key)])
        return (Self.int(answer["deleted"]) ?? 0) > 0
    }

    /// Creates `key` with `value` under `lease` only if it does not exist (a leadership campaign). Returns who holds
    /// the key afterwards: `value` itself when the campaign was won, else the current holder's value.
    public func campaign(_ key: String, _ value: [UInt8], lease: Int64) throws(EtcdError) -> (won: Bool, holder: [UInt8]) {
        let k = Self.b64(key)
        let answer = try call(
            "/v3/kv/txn",
            [
                "compare": .array([.table(["key": k, "target": .string("CREATE"), "create_revision": .string("0")])]),
                "success": .array([
                    .table([
                        "request_put": .table([
                            "key": k, "value": .string(Base64.encode(value)), "lease": .string(String(lease)),
                        ])
                    ])
                ]),
                "failure": .array([.table(["request_range": .table(["key": k])])]),
            ])
        if case .bool(true)? = answer["succeeded"] { return (true, value) }
        guard case .array(let responses)? = answer["responses"], case .table(let first)? = responses.first,
            case .table(let range)? = first["response_range"], case .array(let kvs)? = range["kvs"],
            let holder = kvs.first
        else {
            // The key vanished between compare and range (its lease expired): no holder.
            return (false, [])
        }
        return (false, try Self.keyValue(holder).value)
    }

    /// Sets `key` to `value` only while `guardKey` holds `guardValue` (a leader writing what only the leader may);
    /// false when it does not.
    public func put(_ key: String, _ value: [UInt8], ifKey guardKey: String, equals guardValue: [UInt8]) throws(EtcdError) -> Bool {
        let answer = try call(
            "/v3/kv/txn",
            [
                "compare": .array([
                    .table([
                        "key": Self.b64(guardKey), "target": .string("VALUE"), "result": .string("EQUAL"),
                        "value": .string(Base64.encode(guardValue)),
                    ])
                ]),
                "success": .array([
                    .table(["request_put": .table(["key": Self.b64(key), "value": .string(Base64.encode(value))])])
                ]),
            ])
        if case .bool(true)? = answer["succeeded"] { return true }
        return false
    }

    // MARK: - Transport

    /// POSTs `body` to `path` on the first endpoint that answers, and returns the JSON object it answered.
    private func call(_ path: String, _ body: [String: JSONValue]) throws(EtcdError) -> [String: JSONValue] {
        var writer = JSONWriter(pretty: false)
        writer.value(.table(body))
        var failures: [String] = []
        for attempt in 0..<endpoints.count {
            let index = (preferred + attempt) % endpoints.count
            let url = endpoints[index] + path
            let answer: (status: Int, body: [UInt8])
            do {
                answer = try HTTPFetcher.request(
                    "POST", url, headers: [("Content-Type", "application/json")], body: writer.bytes,
                    options: HTTPFetchOptions(timeout: timeout, maxBodySize: 16 << 20))
            } catch {
                failures.append("\(url): \(error)")
                continue
            }
            preferred = index
            guard answer.status == 200 else {
                throw EtcdError(
                    .refused, "etcd at \(url) answered \(answer.status): \(String(decoding: answer.body.prefix(300), as: UTF8.self))")
            }
            // The keepalive stream answers with one JSON object per line; the first is the answer.
            let line = Array(answer.body.prefix { $0 != UInt8(ascii: "\n") })
            guard case .table(let object) = try? JSONReader.parse(line) else {
                throw EtcdError(.malformed, "etcd at \(url) answered something that is not a JSON object")
            }
            return object
        }
        throw EtcdError(.unreachable, "no etcd endpoint answered \(path): \(failures.joined(separator: "; "))")
    }

    private static func b64(_ key: String) -> JSONValue { .string(Base64.encode(Array(key.utf8))) }

    private static func int(_ value: JSONValue?) -> Int64? {
        switch value {
        case .string(let s)?: Int64(s)
        case .int(let i)?: i
        default: nil
        }
    }

    private static func keyValue(_ value: JSONValue) throws(EtcdError) -> EtcdKeyValue {
        guard case .table(let t) = value, case .string(let k)? = t["key"], let key = Base64.decode(k) else {
            throw EtcdError(.malformed, "etcd returned a key without a base64 name")
        }
        var bytes: [UInt8] = []
        if case .string(let v)? = t["value"] { bytes = Base64.decode(v) ?? [] }
        return EtcdKeyValue(
            key: String(decoding: key, as: UTF8.self), value: bytes, createRevision: int(t["create_revision"]) ?? 0,
            modRevision: int(t["mod_revision"]) ?? 0, lease: int(t["lease"]) ?? 0)
    }

    private static func malformed(_ call: String, _ answer: [String: JSONValue]) -> EtcdError {
        EtcdError(.malformed, "etcd's answer to \(call) lacks the expected fields: \(answer.keys.sorted())")
    }
}
