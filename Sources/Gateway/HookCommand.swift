import AMQPModel
import Locks

#if canImport(Glibc)
    import Glibc
#endif

/// The `on_leader_elected` / `on_leader_lost` commands.
enum HookCommand {
    /// Runs `command` with `/bin/sh -c` without holding up the caller; a thread of its own waits for it and logs how it
    /// ended.
    static func run(_ command: String, logger: Logger) {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(command), nil]
        defer { for a in argv { free(a) } }
        let rc = posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ)
        if rc != 0 {
            logger.error("cannot run hook '\(command)': \(String(cString: strerror(rc)))")
            return
        }
        logger.info("running hook '\(command)' (pid \(pid))")
        let child = pid
        _ = try? NamedThread(name: "gw-hook") {
            var status: Int32 = 0
            _ = waitpid(child, &status, 0)
            logger.info("hook '\(command)' (pid \(child)) ended with status \(status)")
        }
    }
}
