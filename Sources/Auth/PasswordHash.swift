import Bytes
import CCrypt
import COpenSSL

/// Making and checking stored password hashes.
///
/// The salted-digest formats are RabbitMQ's (`rabbit_password_hashing_*`): `base64(salt ‖ H(salt ‖ password))`
/// with a 4-byte random salt, so hashes move between RabbitMQ, LavinMQ and us in definitions files.
/// bcrypt goes through libxcrypt's `crypt_r`, not a hand-written implementation.
public enum PasswordHash {
    /// bcrypt work factor for new hashes (2^10 rounds, the common default; about 50 ms per check).
    private static let bcryptCost: UInt = 10

    /// A new hash of `password` with a fresh random salt.
    ///
    /// bcrypt reads the password as a C string, so for `.bcrypt` a password containing U+0000 is hashed
    /// only up to it (and `verify` refuses such passwords); bcrypt also ignores bytes past the 72nd.
    public static func make(_ password: String, algorithm: PasswordHashAlgorithm = .sha256) -> String {
        let bytes = Array(password.utf8)
        if algorithm == .bcrypt {
            guard let hash = bcrypt(bytes.prefix { $0 != 0 }, setting: nil) else {
                preconditionFailure("libxcrypt could not produce a bcrypt hash")
            }
            return hash
        }
        var rng = SystemRandomNumberGenerator()
        let salt = (0..<4).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        guard let digest = digest(salt + bytes, algorithm) else {
            preconditionFailure("OpenSSL could not compute a \(algorithm) digest")
        }
        return Base64.encode(salt + digest)
    }

    /// True when `password` produces `hash` under `algorithm`.
    ///
    /// The digests are compared in constant time. A malformed hash (bad base64, wrong length, not a
    /// bcrypt string) verifies nothing.
    public static func verify(_ password: [UInt8], hash: String, algorithm: PasswordHashAlgorithm) -> Bool {
        if algorithm == .bcrypt {
            let stored = Array(hash.utf8)
            guard !password.contains(0),
                stored.starts(with: Array("$2b$".utf8)) || stored.starts(with: Array("$2a$".utf8))
                    || stored.starts(with: Array("$2y$".utf8)),
                let computed = bcrypt(password[...], setting: hash)
            else { return false }
            return constantTimeEqual(Array(computed.utf8), stored)
        }
        guard let raw = Base64.decode(hash), raw.count == 4 + digestLength(algorithm),
            let digest = digest(Array(raw[..<4]) + password, algorithm)
        else { return false }
        return constantTimeEqual(digest, Array(raw[4...]))
    }

    private static func digestLength(_ algorithm: PasswordHashAlgorithm) -> Int {
        switch algorithm {
        case .sha256: 32
        case .sha512: 64
        case .md5: 16
        case .bcrypt: 0
        }
    }

    private static func digest(_ data: [UInt8], _ algorithm: PasswordHashAlgorithm) -> [UInt8]? {
        let md: OpaquePointer? =
            switch algorithm {
            case .sha256: EVP_sha256()
            case .sha512: EVP_sha512()
            case .md5: EVP_md5()
            case .bcrypt: nil
            }
        guard let md else { return nil }
        var out = [UInt8](repeating: 0, count: 64)
        var length: UInt32 = 0
        guard EVP_Digest(data, data.count, &out, &length, md, nil) == 1 else { return nil }
        return Array(out[..<Int(length)])
    }

    /// `crypt_r(password, setting)`; a fresh `$2b$` setting with OS randomness when `setting` is nil.
    /// Nil when libxcrypt rejects the setting (it returns a `*`-prefixed failure token or NULL).
    private static func bcrypt(_ password: ArraySlice<UInt8>, setting: String?) -> String? {
        var settingBytes: [CChar]
        if let setting {
            settingBytes = Array(setting.utf8CString)
        } else {
            settingBytes = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
            guard crypt_gensalt_rn("$2b$", bcryptCost, nil, 0, &settingBytes, Int32(settingBytes.count)) != nil
            else { return nil }
        }
        let phrase = password.map { CChar(bitPattern: $0) } + [0]
        guard let raw = calloc(1, MemoryLayout<crypt_data>.size) else { return nil }
        defer { free(raw) }
        let data = raw.bindMemory(to: crypt_data.self, capacity: 1)
        guard let result = crypt_r(phrase, settingBytes, data), result.pointee != CChar(UInt8(ascii: "*")) else {
            return nil
        }
        return String(cString: result)
    }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.count == b.count && CRYPTO_memcmp(a, b, a.count) == 0
    }
}
