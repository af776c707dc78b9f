import AMQPModel

#if canImport(Glibc)
    import Glibc
#endif

/// Replaces the running process by a fresh start of the same executable with the same arguments and environment
/// (same pid): how a cluster node that stopped leading becomes a follower. Every descriptor is close-on-exec, so
/// listeners, client connections and the data directory lock go with the old image; the new one syncs its files from
/// the new leader, discarding what was never acknowledged.
enum ProcessRestart {
    static func exec(logger: Logger) -> Never {
        var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &argv)
        logger.error("cannot restart the process (execv: \(String(cString: strerror(errno)))); exiting")
        exit(3)
    }
}
