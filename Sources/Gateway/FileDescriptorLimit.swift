#if canImport(Glibc)
    import Glibc
#endif

/// The process's open-file limit, which bounds how many client connections the broker can hold: every
/// connection is a socket descriptor.
enum FileDescriptorLimit {
    /// Descriptors the broker keeps for itself (listeners, epoll, eventfd and timerfd per loop, data files).
    static let reserved: UInt64 = 64

    /// Raises the soft `RLIMIT_NOFILE` to the hard limit (distributions start processes at 1024 soft, which
    /// would refuse the 1021st connection) and returns the resulting soft limit, or nil if it cannot be read.
    static func raiseToHardLimit() -> UInt64? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return UInt64(limit.rlim_cur)
    }
}
