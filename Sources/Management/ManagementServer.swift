import AMQPModel
import Bytes
import Clocks
import Auth
import FrontendSupport
import HTTPCodec
import Locks
import Transport

/// The management plane: a RabbitMQ-compatible HTTP API over the broker and its user store.
///
/// Connections live on the event loops like any other (`HTTPServerConnection`), but every request is answered on
/// the management thread (`ManagementWorker`), so the message path never waits for the control plane.
public final class ManagementServer: Sendable {
    /// The broker the API shows and changes.
    public let broker: Broker
    /// Users, permissions and topic permissions.
    public let users: UserStore
    /// What the API reports about the node, and its request limits.
    public let configuration: ManagementConfiguration
    /// Logins, with the same rules as AMQP and MQTT (the default user only from loopback).
    let login: LoginPolicy
    let worker: ManagementWorker
    let logger = Logger(label: "mgmt")
    /// The frontends' client connections.
    let connections: any ConnectionDirectory
    private let listenerList = Lock<[Listener]>([])
    /// Message rates, sampled on read.
    let sampler = StatsSampler()
    /// When the management plane started (the node's uptime), monotonic milliseconds.
    let startedAt = MonotonicClock.milliseconds()

    /// The node's listeners, as bound.
    public var listeners: [Listener] {
        get { listenerList.withLock { $0 } }
        set { listenerList.withLock { $0 = newValue } }
    }

    /// A management plane over `broker` and `users`. Changes reach the definitions snapshot through the broker's
    /// sync coordinator.
    public init(
        broker: Broker, users: UserStore, login: LoginPolicy, configuration: ManagementConfiguration,
        connections: any ConnectionDirectory
    ) throws(NamedThread.StartError) {
        self.broker = broker
        self.users = users
        self.login = login
        self.configuration = configuration
        self.connections = connections
        worker = try ManagementWorker()
    }

    /// The handler for a newly accepted connection (pass this to `TCPListener.bind`).
    public func makeHandler(for connection: TCPConnection) -> any ConnectionHandler {
        HTTPServerConnection(server: self, connection: connection)
    }

    /// Stops the management thread after the requests already taken (broker shutdown).
    public func stop() {
        worker.stop()
    }

    /// Answers one request (on the management thread). Every refusal is RabbitMQ's JSON error body.
    func respond(to request: HTTPRequest, fromLoopback: Bool) -> HTTPResponse {
        do {
            if request.pathSegments.first == "metrics" { return Metrics(server: self).response(request) }
            if let file = Console.response(for: request.pathSegments, method: request.method) { return file }
            guard request.pathSegments.first == "api" else { throw ManagementError.notFound(request.target) }
            let user = try authenticate(request, fromLoopback: fromLoopback)
            let response = try APIRequest(http: request, user: user, server: self).route()
            if request.method != "GET" && request.method != "HEAD" && response.status.code < 300 {
                try persistDefinitions()
            }
            return response
        } catch let error as ManagementError {
            if error.status.code >= 500 { logger.error("\(request.method) \(request.target): \(error)") }
            var response = error.response
            // A script (the web console) asks for no WWW-Authenticate: it would open the browser's own login box.
            if request.header("X-Requested-With") != nil { response.headers.removeAll { $0.name == "WWW-Authenticate" } }
            return response
        } catch {
            logger.error("\(request.method) \(request.target): \(error)")
            return ManagementError(.internalServerError, "internal_error", "\(error)").response
        }
    }

    /// A change was made: the answer waits until the definitions snapshot holding it is on disk, so what the API
    /// confirmed survives a crash (as AMQP confirms do for messages). Blocks the management thread only.
    private func persistDefinitions() throws(ManagementError) {
        guard let coordinator = broker.storage?.coordinator else { return }
        try waitDurable(coordinator.markDefinitionsChanged())
    }

    /// Blocks the management thread until sync `generation` (0: nothing written) is durable, or 500.
    func waitDurable(_ generation: UInt64) throws(ManagementError) {
        guard generation > 0, let coordinator = broker.storage?.coordinator else { return }
        let done = DurabilityWait()
        coordinator.whenDurable(generation) { done.finish($0) }
        guard done.wait() else {
            throw ManagementError(
                .internalServerError, "internal_error", "the change could not be written to disk; see the broker log")
        }
    }

    /// HTTP Basic (user and password, or an OAuth2 token as the password) or `Authorization: Bearer <token>`,
    /// through the same authentication chain and loopback rule as AMQP and MQTT; then a management tag is needed.
    private func authenticate(_ request: HTTPRequest, fromLoopback: Bool) throws(ManagementError) -> ManagementUser {
        guard let header = request.header("Authorization") else { throw .loginFailed }
        let username: String
        let password: [UInt8]
        if header.lowercased().hasPrefix("basic ") {
            guard let decoded = Base64.decode(String(header.dropFirst(6)).trimmingSpaces),
                let colon = decoded.firstIndex(of: UInt8(ascii: ":"))
            else {
                throw .loginFailed
            }
            username = String(decoding: decoded[..<colon], as: UTF8.self)
            password = Array(decoded[(colon + 1)...])
        } else if header.lowercased().hasPrefix("bearer ") {
            username = ""
            password = Array(String(header.dropFirst(7)).trimmingSpaces.utf8)
        } else {
            throw .loginFailed
        }
        let principal: Principal
        do { principal = try login.login(username: username, password: password, fromLoopback: fromLoopback) } catch {
            logger.warning("HTTP API login refused: \(error.message)")
            throw .loginFailed
        }
        let user = ManagementUser(principal: principal, users: users)
        guard user.mayUseManagement else { throw .notManagementUser }
        return user
    }
}

extension String {
    /// Without leading and trailing spaces.
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
