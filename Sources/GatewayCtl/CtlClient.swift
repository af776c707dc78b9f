import Bytes
import HTTPCodec
import HTTPFetch
import JSON

/// Calls the management API for `gatewayctl`: one request per call, HTTP Basic, JSON both ways.
struct CtlClient {
    let baseURL: String
    let user: String
    let password: String

    /// The JSON answer of `method path` (nil for 204), or the broker's refusal as a `CtlError`.
    func call(_ method: String, _ path: String, _ body: JSONValue? = nil) throws(CtlError) -> JSONValue? {
        var bytes: [UInt8] = []
        if let body {
            var writer = JSONWriter(pretty: false)
            writer.value(body)
            bytes = writer.bytes
        }
        let auth = Base64.encode(Array("\(user):\(password)".utf8))
        let answer: (status: Int, body: [UInt8])
        do {
            answer = try HTTPFetcher.request(
                method, baseURL + path,
                headers: [("Authorization", "Basic \(auth)"), ("Content-Type", "application/json")], body: bytes,
                options: HTTPFetchOptions(maxBodySize: 256 << 20))
        } catch {
            throw .unavailable("cannot reach the management API at \(baseURL): \(error)")
        }
        let value = answer.body.isEmpty ? nil : try? JSONReader.parse(answer.body)
        guard (200..<300).contains(answer.status) else {
            var reason = "HTTP \(answer.status)"
            if case .table(let t)? = value, case .string(let r)? = t["reason"] { reason += ": \(r)" }
            throw .refused(reason)
        }
        return value
    }

    /// `name` as one URL path segment.
    static func segment(_ name: String) -> String { HTTPTarget.encodeSegment(name) }
}
