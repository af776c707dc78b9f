#if canImport(Glibc)
    import Glibc
#endif

/// `gatewayctl [--url URL] [-u USER] [-p PASSWORD] [--formatter json] COMMAND [-p VHOST] [ARGS...]`: operate a
/// running Gateway over its management HTTP API. Global options come before the command (there `-p` is the
/// password); after it, `-p` names the vhost as in rabbitmqctl. Defaults from `GATEWAY_URL`, `GATEWAY_USER`,
/// `GATEWAY_PASSWORD`, else `http://127.0.0.1:15672` and guest/guest.
func runGatewayCtl(_ arguments: [String]) -> Int32 {
    func env(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
    var url = env("GATEWAY_URL") ?? "http://127.0.0.1:15672"
    var user = env("GATEWAY_USER") ?? "guest"
    var password = env("GATEWAY_PASSWORD") ?? "guest"
    var json = false
    var i = 0
    do {
        while i < arguments.count, arguments[i].hasPrefix("-") {
            let option = arguments[i]
            if option == "--help" || option == "-h" {
                printUsage()
                return 0
            }
            guard i + 1 < arguments.count else { throw CtlError.usage("\(option) needs a value") }
            let value = arguments[i + 1]
            switch option {
            case "--url": url = value.hasSuffix("/") ? String(value.dropLast()) : value
            case "-u", "--user": user = value
            case "-p", "--password": password = value
            case "--formatter":
                guard value == "json" || value == "table" else { throw CtlError.usage("--formatter is json or table") }
                json = value == "json"
            default: throw CtlError.usage("unknown option \(option); see gatewayctl --help")
            }
            i += 2
        }
        guard i < arguments.count else {
            printUsage()
            return 64
        }
        let command = try CtlCommand(
            client: CtlClient(baseURL: url, user: user, password: password), output: CtlOutput(json: json),
            arguments: Array(arguments[(i + 1)...]))
        try command.run(arguments[i])
        return 0
    } catch let error as CtlError {
        printError("Error: \(error.message)")
        return error.exitCode
    } catch {
        printError("Error: \(error)")
        return 70
    }
}

/// One line to standard error.
func printError(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

func printUsage() {
    print("usage: gatewayctl [--url URL] [-u USER] [-p PASSWORD] [--formatter json] COMMAND [-p VHOST] [ARGS...]")
    print("Environment: GATEWAY_URL, GATEWAY_USER, GATEWAY_PASSWORD. Commands:")
    for (verb, args) in CtlCommand.usage { print("  \(verb) \(args)") }
}

exit(runGatewayCtl(Array(CommandLine.arguments.dropFirst())))
