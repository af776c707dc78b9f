import Foundation

/// A throwaway certificate authority in a fresh temporary directory, driven through the `openssl` command line:
/// a CA, and server certificates (EC P-256) it signs with chosen subject alternative names. The directory goes
/// with the object.
final class TestPKI {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// A certificate and its private key, as PEM files.
    struct Identity {
        let certificate: String
        let key: String
    }

    let directory: String
    /// The CA certificate (PEM) to trust.
    let caCertificate: String
    private let caKey: String
    private var serial = 1

    init() throws {
        var template = Array((NSTemporaryDirectory() + "gateway-httpfetch-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else { throw Failure(description: "mkdtemp failed: errno \(errno)") }
        directory = String(cString: created)
        caCertificate = directory + "/ca.pem"
        caKey = directory + "/ca.key"
        try Self.openssl(
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", caKey, "-out", caCertificate, "-days", "2", "-subj", "/CN=Gateway HTTPFetch Test CA")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A key and a certificate named `name`, signed by the CA, valid for `altNames`
    /// (an openssl subjectAltName list such as `DNS:localhost,IP:127.0.0.1`).
    func issue(_ name: String, altNames: String) throws -> Identity {
        serial += 1
        let identity = Identity(certificate: path("\(name).pem"), key: path("\(name).key"))
        let request = path("\(name).csr")
        let extensions = path("\(name).ext")
        try "subjectAltName=\(altNames)\n".write(toFile: extensions, atomically: true, encoding: .utf8)
        try Self.openssl(
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", identity.key, "-out", request, "-subj", "/CN=\(name)")
        try Self.openssl(
            "x509", "-req", "-in", request, "-CA", caCertificate, "-CAkey", caKey, "-set_serial", "\(serial)",
            "-days", "2", "-extfile", extensions, "-out", identity.certificate)
        return identity
    }

    private func path(_ file: String) -> String {
        directory + "/" + file
    }

    private static func openssl(_ arguments: String...) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(
                description: "openssl \(arguments.joined(separator: " ")): \(String(decoding: message, as: UTF8.self))")
        }
    }
}
