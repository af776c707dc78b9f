import Bytes

/// Reads replication frames from a blocking socket.
struct FrameReader {
    let socket: BlockingSocket
    private var buffer = ByteBuffer()

    init(socket: BlockingSocket) {
        self.socket = socket
    }

    /// The next frame and its size, reading as needed.
    mutating func next() throws(ReplicationFailure) -> (ReplicationMessage, Int) {
        while true {
            do throws(ReplicationProtocolError) {
                if let decoded = try ReplicationCodec.decode(&buffer) {
                    if buffer.readableBytes == 0 { buffer.clear() } else if buffer.readerIndex > 1 << 20 { buffer.discardReadBytes() }
                    return decoded
                }
            } catch {
                throw ReplicationFailure(error)
            }
            try socket.read(into: &buffer)
        }
    }

    /// True when a whole frame is buffered or the socket has bytes waiting: reading on would not block for long.
    var hasMore: Bool {
        if let length = buffer.peekInteger(at: 1, as: UInt32.self),
            buffer.readableBytes >= ReplicationCodec.headerSize + Int(length)
        {
            return true
        }
        return socket.isReadable
    }
}
