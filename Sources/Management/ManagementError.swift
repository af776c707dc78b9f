import HTTPCodec
import JSON

/// A refused management request: the status and RabbitMQ's JSON error body `{"error": …, "reason": …}`.
public struct ManagementError: Error, Sendable, CustomStringConvertible {
    /// The HTTP status.
    public let status: HTTPStatus
    /// RabbitMQ's short error name (`not_authorized`, `not_found`, `bad_request`, …).
    public let error: String
    /// A sentence a user can act on.
    public let reason: String

    public init(_ status: HTTPStatus, _ error: String, _ reason: String) {
        self.status = status
        self.error = error
        self.reason = reason
    }

    public var description: String { "\(status.code) \(error): \(reason)" }

    /// 400 with a reason.
    static func badRequest(_ reason: String) -> ManagementError { ManagementError(.badRequest, "bad_request", reason) }

    /// 404 `Object Not Found`, as RabbitMQ answers for an unknown vhost, queue, exchange, user or path.
    static func notFound(_ what: String) -> ManagementError {
        ManagementError(.notFound, "Object Not Found", "Not Found: \(what)")
    }

    /// 401: the credentials were refused (or none were sent).
    static let loginFailed = ManagementError(.unauthorized, "not_authorized", "Login failed")

    /// 401: the user has no management tag.
    static let notManagementUser = ManagementError(.unauthorized, "not_authorized", "Not management user")

    /// 403 with a reason (a tag or vhost access is missing).
    static func forbidden(_ reason: String) -> ManagementError { ManagementError(.forbidden, "not_authorized", reason) }

    /// 405 for a method the path does not take.
    static func methodNotAllowed(_ method: String) -> ManagementError {
        ManagementError(.methodNotAllowed, "method_not_allowed", "\(method) is not allowed on this path")
    }

    /// The response carrying this error.
    var response: HTTPResponse {
        var writer = JSONWriter(pretty: false)
        writer.object { w in
            w.member("error", .string(error))
            w.member("reason", .string(reason))
        }
        var r = HTTPResponse(status: status, contentType: "application/json", body: writer.bytes)
        if status == .unauthorized { r.headers.append(("WWW-Authenticate", "Basic realm=\"Gateway Management\"")) }
        return r
    }
}
