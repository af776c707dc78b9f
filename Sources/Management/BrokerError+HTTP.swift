import AMQPModel

extension BrokerError {
    /// The management API's answer to a refused core operation.
    var management: ManagementError {
        switch kind {
        case .notFound: ManagementError(.notFound, "Object Not Found", message)
        case .accessRefused: ManagementError(.forbidden, "access_refused", message)
        case .resourceError: ManagementError(.internalServerError, "internal_error", message)
        default: ManagementError.badRequest(message)
        }
    }
}
