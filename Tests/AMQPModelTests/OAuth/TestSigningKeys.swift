import COpenSSL
import Foundation

/// An RSA 2048 and an EC P-256 key pair generated once per test run with the `openssl` CLI, with the public
/// parameters a JWKS publishes (n, e, x, y) read back through OpenSSL.
struct TestSigningKeys: Sendable {
    let rsaPrivatePEM: [UInt8]
    let ecPrivatePEM: [UInt8]
    let rsaPublicPEM: [UInt8]
    let n: [UInt8]
    let e: [UInt8]
    let x: [UInt8]
    let y: [UInt8]

    static let shared = TestSigningKeys()

    private init() {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-oauth-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let rsa = dir.appendingPathComponent("rsa.pem").path
        let ec = dir.appendingPathComponent("ec.pem").path
        let rsaPublic = dir.appendingPathComponent("rsa.pub.pem").path
        Self.openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", rsa])
        Self.openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", ec])
        Self.openssl(["pkey", "-in", rsa, "-pubout", "-out", rsaPublic])
        rsaPrivatePEM = Array(FileManager.default.contents(atPath: rsa)!)
        ecPrivatePEM = Array(FileManager.default.contents(atPath: ec)!)
        rsaPublicPEM = Array(FileManager.default.contents(atPath: rsaPublic)!)
        let rsaKey = Self.privateKey(rsaPrivatePEM)
        defer { EVP_PKEY_free(rsaKey) }
        let ecKey = Self.privateKey(ecPrivatePEM)
        defer { EVP_PKEY_free(ecKey) }
        n = Self.bignum(rsaKey, "n", width: nil)
        e = Self.bignum(rsaKey, "e", width: nil)
        x = Self.bignum(ecKey, "qx", width: 32)
        y = Self.bignum(ecKey, "qy", width: 32)
    }

    /// The private key in `pem` (PKCS#8 or SEC1), owned by the caller.
    static func privateKey(_ pem: [UInt8]) -> OpaquePointer {
        let bio = pem.withUnsafeBytes { BIO_new_mem_buf($0.baseAddress, Int32(pem.count)) }!
        defer { BIO_free(bio) }
        return PEM_read_bio_PrivateKey(bio, nil, nil, nil)!
    }

    private static func bignum(_ key: OpaquePointer, _ name: String, width: Int32?) -> [UInt8] {
        var bn: OpaquePointer?
        precondition(EVP_PKEY_get_bn_param(key, name, &bn) == 1, "no \(name) parameter")
        defer { BN_free(bn) }
        let length = width ?? (BN_num_bits(bn) + 7) / 8
        var out = [UInt8](repeating: 0, count: Int(length))
        precondition(BN_bn2binpad(bn, &out, length) == length)
        return out
    }

    private static func openssl(_ arguments: [String]) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try! process.run()
        process.waitUntilExit()
        precondition(process.terminationStatus == 0, "openssl \(arguments.joined(separator: " ")) failed")
    }
}
