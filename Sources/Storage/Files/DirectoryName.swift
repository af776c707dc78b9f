import COpenSSL

/// File-system names for data named by arbitrary bytes.
///
/// Vhost and queue names are up to 255 arbitrary bytes, too long and too free-form for file names, so their
/// directories are named by the lowercase hex SHA-256 of the name (OpenSSL's digest, 64 characters).
package enum DirectoryName {
    /// The lowercase hex SHA-256 of `name`.
    package static func sha256(_ name: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        _ = name.withUnsafeBytes { raw in SHA256(raw.bindMemory(to: UInt8.self).baseAddress, name.count, &digest) }
        let hex = Array("0123456789abcdef".utf8)
        return String(decoding: digest.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] }, as: UTF8.self)
    }
}
