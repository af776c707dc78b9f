/// The contents of a RabbitMQ-format definitions file, as written by `rabbitmqctl export_definitions`,
/// the management API's `GET /api/definitions`, or LavinMQ.
///
/// Only what the broker imports is kept; `rabbit_version`, `parameters`, `global_parameters` and other keys are
/// ignored. Importing is the caller's job and is additive (design §7).
public struct Definitions: Sendable, Equatable {
    public var users: [UserDefinition]
    public var vhosts: [VHostDefinition]
    public var permissions: [PermissionDefinition]
    public var topicPermissions: [TopicPermissionDefinition]
    public var exchanges: [ExchangeDefinition]
    public var queues: [QueueDefinition]
    public var bindings: [BindingDefinition]
    public var policies: [PolicyDefinition]

    public init(
        users: [UserDefinition] = [], vhosts: [VHostDefinition] = [], permissions: [PermissionDefinition] = [],
        topicPermissions: [TopicPermissionDefinition] = [], exchanges: [ExchangeDefinition] = [],
        queues: [QueueDefinition] = [], bindings: [BindingDefinition] = [], policies: [PolicyDefinition] = []
    ) {
        self.users = users
        self.vhosts = vhosts
        self.permissions = permissions
        self.topicPermissions = topicPermissions
        self.exchanges = exchanges
        self.queues = queues
        self.bindings = bindings
        self.policies = policies
    }
}
