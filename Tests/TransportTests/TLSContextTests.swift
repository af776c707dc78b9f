import TLSTestSupport
import Testing
import Transport

@Suite("TLS context")
struct TLSContextTests {
    let pki: TestPKI
    let server: TestPKI.Identity

    init() throws {
        pki = try TestPKI()
        server = try pki.issue("server", serial: 1)
    }

    private func message(_ configuration: TLSConfiguration) -> String? {
        do {
            _ = try TLSContext(configuration: configuration)
            return nil
        } catch {
            return error.message
        }
    }

    @Test("a missing certificate file names the setting, the path and the system's reason")
    func missingCertificate() {
        let missing = pki.path("nope/cert.pem")
        #expect(message(TLSConfiguration(certificateChainPath: missing)) == "tls_cert \(missing): No such file or directory")
    }

    @Test("a key that does not belong to the certificate is refused")
    func keyMismatch() throws {
        let other = try pki.issue("other", serial: 2)
        let configuration = TLSConfiguration(certificateChainPath: server.certificate, privateKeyPath: other.key)
        #expect(message(configuration) == "tls_key \(other.key) does not match tls_cert \(server.certificate)")
    }

    @Test("without tls_key the key is read from the certificate file")
    func keyInCertificateFile() throws {
        let combined = pki.path("combined.pem")
        let text = try String(contentsOfFile: server.certificate, encoding: .utf8) + String(contentsOfFile: server.key, encoding: .utf8)
        try text.write(toFile: combined, atomically: true, encoding: .utf8)
        #expect(message(TLSConfiguration(certificateChainPath: combined)) == nil)
        #expect(message(TLSConfiguration(certificateChainPath: server.certificate))?.hasPrefix("tls_cert (no tls_key set") == true)
    }

    @Test("an unknown version, an empty cipher match or verify_peer without a CA file is refused")
    func invalidSettings() {
        var configuration = TLSConfiguration(certificateChainPath: server.certificate, privateKeyPath: server.key)
        configuration.minimumVersion = "1.4"
        #expect(message(configuration) == "tls_min_version '1.4' is not one of 1.0, 1.1, 1.2, 1.3")
        configuration.minimumVersion = "1.2"
        configuration.ciphers = "NOT-A-CIPHER"
        #expect(message(configuration)?.hasPrefix("tls_ciphers 'NOT-A-CIPHER': ") == true)
        configuration.ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256"
        #expect(message(configuration) == nil)
        configuration.verifyPeer = true
        #expect(message(configuration)?.hasPrefix("tls_verify_peer is on but tls_ca_cert is not set") == true)
        configuration.caCertificatePath = pki.caCertificate
        #expect(message(configuration) == nil)
    }
}
