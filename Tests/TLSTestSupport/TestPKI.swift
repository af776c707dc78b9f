import Foundation

/// A throwaway certificate authority for tests, in a fresh temporary directory, driven through the `openssl`
/// command line: a CA, and leaf certificates (EC P-256) it signs with chosen serial numbers and subject
/// alternative names. The directory goes with the object. Shared by the TLS tests of Transport and HTTPFetch.
public final class TestPKI {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// A certificate and its private key, as PEM files.
    public struct Identity: Sendable {
        public let certificate: String
        public let key: String
    }

    public let directory: String
    /// The CA certificate (PEM) to trust.
    public let caCertificate: String
    private let caKey: String
    private var nextSerial = 1

    public init() throws {
        var template = Array((NSTemporaryDirectory() + "gateway-pki-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else { throw Failure(description: "mkdtemp failed: errno \(errno)") }
        directory = String(cString: created)
        caCertificate = directory + "/ca.pem"
        caKey = directory + "/ca.key"
        try Self.openssl(
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", caKey, "-out", caCertificate, "-days", "2", "-subj", "/CN=Gateway Test CA")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A key and a certificate for `name` signed by the CA, with serial number `serial` (default: the next
    /// unused one) and, when given, `altNames` as its subjectAltName list (such as `DNS:localhost,IP:127.0.0.1`).
    public func issue(_ name: String, serial: Int? = nil, altNames: String? = nil) throws -> Identity {
        nextSerial += 1
        let identity = Identity(certificate: path("\(name).pem"), key: path("\(name).key"))
        let request = path("\(name).csr")
        try Self.openssl(
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", identity.key, "-out", request, "-subj", "/CN=\(name)")
        var signing = [
            "x509", "-req", "-in", request, "-CA", caCertificate, "-CAkey", caKey,
            "-set_serial", "\(serial ?? nextSerial)", "-days", "2", "-out", identity.certificate,
        ]
        if let altNames {
            let extensions = path("\(name).ext")
            try "subjectAltName=\(altNames)\n".write(toFile: extensions, atomically: true, encoding: .utf8)
            signing += ["-extfile", extensions]
        }
        try Self.openssl(signing)
        return identity
    }

    /// A self-signed certificate for `name` that the CA did not sign.
    public func selfSigned(_ name: String) throws -> Identity {
        let identity = Identity(certificate: path("\(name).pem"), key: path("\(name).key"))
        try Self.openssl(
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", identity.key, "-out", identity.certificate, "-days", "2", "-subj", "/CN=\(name)")
        return identity
    }

    /// The path of `file` inside the PKI's directory.
    public func path(_ file: String) -> String {
        directory + "/" + file
    }

    /// Replaces `target`'s files with `source`'s (atomic renames, as a certificate renewal would).
    public func replace(_ target: Identity, with source: Identity) throws {
        guard rename(source.certificate, target.certificate) == 0, rename(source.key, target.key) == 0 else {
            throw Failure(description: "rename failed: errno \(errno)")
        }
    }

    private static func openssl(_ arguments: String...) throws {
        try openssl(arguments)
    }

    private static func openssl(_ arguments: [String]) throws {
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
