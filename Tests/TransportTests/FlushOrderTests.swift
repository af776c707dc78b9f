import Glibc
import Testing
import TransportTestSupport

@testable import Transport

@Suite("Event loop flush order")
struct FlushOrderTests {
    @Test("a connection written to with last: true is flushed after those written to without it in the same turn")
    func lastWritesGoAfterOthers() throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        // Two connections over one stream (the second fd is a dup of the first): the peer reads the bytes in the
        // order the loop flushed the connections.
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer { close(pair[1]) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(pair[1], SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let address = SocketAddress(host: "127.0.0.1", port: 0)
        let acknowledging = TCPConnection(fd: pair[0], eventLoop: loop, localAddress: address, remoteAddress: address)
        let delivering = TCPConnection(
            fd: dup(pair[0]), eventLoop: loop, localAddress: address, remoteAddress: address)
        let connections = LoopLocal((acknowledging, delivering))
        #expect(runOnLoop(loop) {
            let (ack, delivery) = connections.value
            ack.write(last: true) { $0.writeBytes(Array("ack;".utf8)) }
            delivery.write { $0.writeBytes(Array("delivery;".utf8)) }
            ack.write { $0.writeBytes(Array("ack2;".utf8)) }
        })
        var received = [UInt8](repeating: 0, count: 64)
        var total = 0
        while total < 18 {
            let n = received.withUnsafeMutableBytes { recv(pair[1], $0.baseAddress! + total, 64 - total, 0) }
            guard n > 0 else { break }
            total += n
        }
        #expect(String(decoding: received[..<total], as: UTF8.self) == "delivery;ack;ack2;")
        #expect(runOnLoop(loop) {
            connections.value.0.discard()
            connections.value.1.discard()
        })
    }
}
