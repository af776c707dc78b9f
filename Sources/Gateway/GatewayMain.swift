import AMQPModel
import GatewayConfig

#if canImport(Glibc)
    import Glibc
#endif

/// Entry point of the `gateway` executable: parse the configuration, start the broker, wait for a signal.
@main
enum GatewayMain {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        var environment: [String: String] = [:]
        var env = environ
        while let entry = env.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { environment[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            env += 1
        }
        let result: LoadResult
        do {
            result = try ConfigurationLoader.load(arguments: arguments, environment: environment)
        } catch {
            fail("gateway: \(error)")
        }
        switch result {
        case .version:
            print("gateway \(GatewayVersion.current)")
        case .help(let text):
            print(text)
        case .run(let configuration, let warnings):
            do {
                let server = try GatewayServer(configuration: configuration, warnings: warnings)
                server.runUntilSignalled()
                exit(0)
            } catch {
                fail("gateway: \(error)")
            }
        }
    }

    static func fail(_ message: String) -> Never {
        let line = message + "\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        exit(1)
    }
}
