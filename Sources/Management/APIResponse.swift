import HTTPCodec
import JSON

/// Building management responses.
enum APIResponse {
    /// 200 with `value` as JSON.
    static func json(_ value: JSONValue, status: HTTPStatus = .ok) -> HTTPResponse {
        var writer = JSONWriter(pretty: false)
        writer.value(value)
        return HTTPResponse(status: status, contentType: "application/json", body: writer.bytes)
    }

    /// 201 Created (a PUT that made something new) or 204 No Content (one that changed something existing).
    static func putDone(created: Bool) -> HTTPResponse {
        HTTPResponse(status: created ? .created : .noContent)
    }

    /// 204 No Content.
    static let noContent = HTTPResponse(status: .noContent)
}
