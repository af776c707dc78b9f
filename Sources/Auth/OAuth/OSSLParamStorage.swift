import Glibc

/// C copies of strings and byte buffers handed to `OSSL_PARAM_BLD_push_*`, which keeps the pointers rather
/// than copying (design §9): they live until `free()`, called after the builder and its parameters are gone.
final class OSSLParamStorage {
    private var allocations: [UnsafeMutableRawPointer] = []

    /// A NUL-terminated copy of `s`.
    func pointer(_ s: String) -> UnsafeMutablePointer<CChar> {
        let p = strdup(s)!
        allocations.append(UnsafeMutableRawPointer(p))
        return p
    }

    /// A copy of `b` (at least one byte allocated, so the pointer is never null).
    func bytes(_ b: [UInt8]) -> UnsafeMutableRawPointer {
        let p = malloc(max(b.count, 1))!
        b.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: b.count) }
        allocations.append(p)
        return p
    }

    func free() {
        for p in allocations { Glibc.free(p) }
        allocations.removeAll()
    }
}
