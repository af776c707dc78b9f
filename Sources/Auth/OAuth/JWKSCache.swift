import Clocks
import Dispatch
import Locks

/// The current signing keys of the authorization server, refreshed in the background.
///
/// Logins read the cached set (one lock, no I/O), so an event loop never waits on a file or an HTTP fetch.
/// The set is loaded again on a background queue when it is older than `ttl`, and as soon as a login
/// presents a `kid` the set does not have (key rotation), but never more often than once per
/// `minimumRefreshInterval`, so a client hammering with unknown key ids cannot turn the broker into a load
/// generator against the authorization server. A failed refresh keeps the previous keys and is logged through
/// `onFailure`; with no keys at all every token is refused until a load succeeds.
public final class JWKSCache: Sendable {
    /// Reads or fetches the key set; blocking, called only on a background queue or from `load()`.
    public typealias Loader = @Sendable () throws(OAuthError) -> JWKS

    private struct State {
        var keys: JWKS?
        /// Monotonic seconds of the last successful load.
        var loadedAt: Int64 = 0
        /// Monotonic seconds of the last attempt, successful or not.
        var attemptedAt: Int64?
        var refreshing = false
    }

    /// Where the keys come from, for log lines ("/etc/gateway/jwks.json", "https://idp.example/jwks").
    public let source: String
    private let ttl: Int64
    private let minimumRefreshInterval: Int64
    private let loader: Loader
    private let onFailure: @Sendable (OAuthError) -> Void
    private let onLoaded: @Sendable (JWKS) -> Void
    private let state = Lock(State())

    /// A cache over `loader`. `ttl` and `minimumRefreshInterval` are in seconds; `onLoaded` and `onFailure`
    /// are told about every background load (for logging).
    public init(
        source: String, ttl: Int64, minimumRefreshInterval: Int64 = 10, loader: @escaping Loader,
        onLoaded: @escaping @Sendable (JWKS) -> Void = { _ in }, onFailure: @escaping @Sendable (OAuthError) -> Void
    ) {
        self.source = source
        self.ttl = max(1, ttl)
        self.minimumRefreshInterval = minimumRefreshInterval
        self.loader = loader
        self.onLoaded = onLoaded
        self.onFailure = onFailure
    }

    /// Loads the keys now, on the calling thread (at startup); throws the loader's error.
    public func load() throws(OAuthError) {
        let now = MonotonicClock.milliseconds() / 1000
        state.withLock { $0.attemptedAt = now }
        let keys = try loader()
        state.withLock {
            $0.keys = keys
            $0.loadedAt = now
        }
    }

    /// The cached keys (nil before the first successful load); starts a background refresh when they are stale.
    public func currentKeys() -> JWKS? {
        let now = MonotonicClock.milliseconds() / 1000
        let (keys, stale) = state.withLock { s in (s.keys, s.keys == nil || now - s.loadedAt >= ttl) }
        if stale { refresh(now: now) }
        return keys
    }

    /// Asks for a background refresh because a token named a key the cache does not have.
    public func keyMissing() {
        refresh(now: MonotonicClock.milliseconds() / 1000)
    }

    private func refresh(now: Int64) {
        let start = state.withLock { s in
            guard !s.refreshing else { return false }
            if let last = s.attemptedAt, now - last < minimumRefreshInterval { return false }
            s.refreshing = true
            s.attemptedAt = now
            return true
        }
        guard start else { return }
        DispatchQueue.global(qos: .utility).async { [self] in
            do throws(OAuthError) {
                let keys = try loader()
                state.withLock { s in
                    s.keys = keys
                    s.loadedAt = MonotonicClock.milliseconds() / 1000
                    s.refreshing = false
                }
                onLoaded(keys)
            } catch {
                state.withLock { $0.refreshing = false }
                onFailure(error)
            }
        }
    }
}
