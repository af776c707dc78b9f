/// Picks the subcommand named by the first words of the command line, prints usage, and maps errors to
/// exit codes: 0 success, 1 runtime failure (`PerfError`), 2 usage error (`UsageError`).
enum SubcommandDispatcher {
    /// Every subcommand, in the order the usage lists them.
    static var subcommands: [any Subcommand.Type] {
        [AMQPThroughputCommand.self, MQTTThroughputCommand.self, MQTTConnectionsCommand.self]
    }

    /// The top-level usage text.
    static var usage: String {
        var text = """
            gatewayperf: load generator for AMQP 0-9-1 and MQTT brokers

            usage: gatewayperf <protocol> <command> [options]

            commands:

            """
        for command in subcommands {
            let name = command.words.joined(separator: " ")
            text += "  \(name.padding(18))\(command.summary)\n"
        }
        text += "\nRun 'gatewayperf <protocol> <command> --help' for a command's options.\n"
        return text
    }

    /// Runs the command line (without the program name) and returns the exit code.
    static func main(_ arguments: [String]) -> Int32 {
        if arguments.isEmpty {
            StandardError.print(usage)
            return 2
        }
        if arguments == ["--help"] || arguments == ["-h"] || arguments == ["help"] {
            print(usage, terminator: "")
            return 0
        }
        guard let command = subcommands.first(where: { arguments.starts(with: $0.words) }) else {
            let words = arguments.prefix { !$0.hasPrefix("-") }.joined(separator: " ")
            StandardError.print("gatewayperf: unknown command '\(words)'; run 'gatewayperf --help' for the list")
            return 2
        }
        let rest = Array(arguments.dropFirst(command.words.count))
        if rest.contains("--help") || rest.contains("-h") {
            print(command.usage, terminator: "")
            return 0
        }
        do {
            return try command.run(arguments: rest)
        } catch let error as UsageError {
            StandardError.print("gatewayperf: \(error.message)")
            return 2
        } catch {
            StandardError.print("gatewayperf: \(error)")
            return 1
        }
    }
}

extension String {
    /// The string padded with spaces to at least `width` characters (left-aligned column).
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
