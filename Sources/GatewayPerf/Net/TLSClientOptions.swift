#if canImport(Glibc)
import Glibc
#endif

/// The TLS options the MQTT commands share: `--tls`, `--cafile`, `--cert`, `--key`.
///
/// Without `--cafile` the server's certificate is not verified at all (any certificate is accepted): a load
/// generator is usually pointed at a broker with a self-signed test certificate, and verification does not
/// change the cost being measured. With it, the chain must verify against the CA file and the certificate must
/// name the host of the URI (DNS name or IP address).
struct TLSClientOptions {
    /// `--tls` was given.
    var requested = false
    /// CA certificates (PEM) to verify the server against; nil = no verification.
    var caFile: String?
    /// Client certificate chain (PEM), for brokers that require one.
    var certificateFile: String?
    /// Private key of the client certificate (PEM); nil = in `certificateFile`.
    var keyFile: String?

    /// The help lines describing these options, for the usage texts.
    static let usage = """
          --tls              connect over TLS (also mqtts:// in --uri; the default port becomes 8883)
          --cafile PATH      verify the broker's certificate against these CA certificates (PEM) and the
                             host name or IP in the URI; WITHOUT IT THE CERTIFICATE IS NOT VERIFIED
          --cert PATH        client certificate chain (PEM), for brokers that require one
          --key PATH         private key of --cert (PEM; default: the key inside the --cert file)
        """

    /// Takes `option` when it is one of the TLS options, reading its value from `reader`; returns whether it was.
    /// - Throws: `UsageError` when the value is missing.
    mutating func take(_ option: String, from reader: inout OptionReader) throws(UsageError) -> Bool {
        switch option {
        case "--tls": requested = true
        case "--cafile": caFile = try reader.value()
        case "--cert": certificateFile = try reader.value()
        case "--key": keyFile = try reader.value()
        default: return false
        }
        return true
    }

    /// Applies `--tls` to `uri` (port 8883 unless one was given) and checks that the file options make sense.
    /// - Throws: `UsageError` for file options without TLS, or `--key` without `--cert`.
    func apply(to uri: inout MQTTURI, portGiven: Bool) throws(UsageError) {
        if requested { uri.enableTLS(keepingPort: portGiven) }
        if !uri.tls, caFile != nil || certificateFile != nil || keyFile != nil {
            throw UsageError("--cafile, --cert and --key need TLS: add --tls or use an mqtts:// URI")
        }
        if keyFile != nil, certificateFile == nil { throw UsageError("--key needs --cert (the client certificate)") }
    }
}
