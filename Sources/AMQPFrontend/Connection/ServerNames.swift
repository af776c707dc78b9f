import AMQPValues

/// Server-generated names: `amq.gen-…` queues and `amq.ctag-…` consumer tags, as RabbitMQ makes them.
enum ServerNames {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// `prefix` followed by 22 random URL-safe base64 characters (132 bits).
    static func generate(prefix: String) -> ByteString {
        var rng = SystemRandomNumberGenerator()
        var bytes = Array(prefix.utf8)
        for _ in 0..<22 { bytes.append(alphabet[Int(rng.next() % 64)]) }
        return ByteString(bytes)
    }
}
