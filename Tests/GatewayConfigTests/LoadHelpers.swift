import Testing

@testable import GatewayConfig

/// Loads and expects `.run`, returning the configuration and warnings.
func loadRun(
    _ arguments: [String], environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation
) throws -> (GatewayConfiguration, [String]) {
    let result = try ConfigurationLoader.load(arguments: arguments, environment: environment)
    guard case .run(let configuration, let warnings) = result else {
        Issue.record("expected .run, got \(result)", sourceLocation: sourceLocation)
        return (GatewayConfiguration(), [])
    }
    return (configuration, warnings)
}

/// The message of the error `body` throws, or nil (recording an issue) when it does not throw.
func configErrorMessage(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> String? {
    do {
        try body()
    } catch let error as ConfigError {
        return error.message
    } catch {
        Issue.record("expected a ConfigError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
    Issue.record("expected a ConfigError", sourceLocation: sourceLocation)
    return nil
}
