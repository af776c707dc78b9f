import Bytes
import Storage
import Testing

@testable import Replication

@Suite("ReplicationCodec: every frame round-trips; malformed frames are refused")
struct ReplicationCodecTests {
    static let messages: [ReplicationMessage] = [
        .hello(secret: Array("s3cret".utf8), node: "tcp://10.0.0.2:5679"),
        .welcome(ports: [ClientPort(name: "amqp", port: 5672), ClientPort(name: "https", port: 15671)]),
        .refused("wrong clustering secret"),
        .index([
            FileIndexEntry(path: "queues", isDirectory: true, size: 0, checksum: 0),
            FileIndexEntry(path: "queues/ab/msgs.0000000001", isDirectory: false, size: 1 << 33, checksum: 0xDEAD_BEEF),
        ]),
        .change(.write(path: "queues/ab/msgs.0000000001", offset: 4096, bytes: [1, 2, 3])),
        .change(.truncate(path: "a", size: 17)),
        .change(.create(path: "b")),
        .change(.remove(path: "c")),
        .change(.rename(from: "d.tmp", to: "d")),
        .change(.makeDirectory(path: "e/f")),
        .change(.removeDirectory(path: "e/f")),
        .phaseEnd(final: true, position: 123_456_789),
        .heartbeat(position: 42),
        .ack(position: 43),
    ]

    @Test("each message decodes to itself, whole or fed one byte at a time", arguments: messages)
    func roundTrip(_ message: ReplicationMessage) throws {
        var buffer = ByteBuffer()
        ReplicationCodec.encode(message, into: &buffer)
        let bytes = buffer.readableBytesArray
        var partial = ByteBuffer()
        for (i, byte) in bytes.enumerated() {
            partial.writeUInt8(byte)
            let decoded = try ReplicationCodec.decode(&partial)
            if i < bytes.count - 1 {
                #expect(decoded == nil)
            } else {
                #expect(decoded?.0 == message)
                #expect(decoded?.1 == bytes.count)
            }
        }
    }

    @Test("a write longer than one chunk becomes consecutive writes that together carry every byte")
    func longWriteSplits() throws {
        let data = (0..<(ReplicationCodec.maxWriteChunk * 2 + 5)).map { UInt8(truncatingIfNeeded: $0 * 7) }
        var buffer = ByteBuffer()
        data.withUnsafeBytes { ReplicationCodec.encode(.write(path: "f", offset: 100, bytes: $0), into: &buffer) }
        var rebuilt: [UInt8] = []
        var offsets: [Int] = []
        while let (message, _) = try ReplicationCodec.decode(&buffer) {
            guard case .change(.write("f", let offset, let bytes)) = message else {
                Issue.record("unexpected \(message)")
                return
            }
            offsets.append(offset)
            rebuilt += bytes
        }
        #expect(offsets == [100, 100 + ReplicationCodec.maxWriteChunk, 100 + 2 * ReplicationCodec.maxWriteChunk])
        #expect(rebuilt == data)
    }

    @Test("hostile frames are protocol errors, not crashes or allocations", arguments: [
        [0x00, 0, 0, 0, 0],  // unknown type 0
        [0x09, 0, 0, 0, 0],  // unknown type 9
        [0x05, 0xFF, 0xFF, 0xFF, 0xFF],  // 4 GiB payload announced
        [0x01, 0, 0, 0, 5, 0x58, 0x58, 0x58, 0x58, 1],  // hello without the magic
        [0x01, 0, 0, 0, 5, 0x47, 0x57, 0x52, 0x50, 9],  // hello of protocol version 9
        [0x01, 0, 0, 0, 7, 0x47, 0x57, 0x52, 0x50, 1, 0x00, 0x10],  // secret longer than the frame
        [0x04, 0, 0, 0, 4, 0x7F, 0xFF, 0xFF, 0xFF],  // index of 2^31 entries in 4 bytes
        [0x05, 0, 0, 0, 4, 0x09, 0, 1, 0x61],  // change op 9
        [0x05, 0, 0, 0, 5, 0x04, 0, 2, 0xC3, 0x28],  // path that is not UTF-8
        [0x06, 0, 0, 0, 9, 2, 0, 0, 0, 0, 0, 0, 0, 0],  // phase end flag 2
        [0x08, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1],  // ack with a trailing byte
        [0x07, 0, 0, 0, 3, 0, 0, 0],  // heartbeat too short
        [0x02, 0, 0, 0, 6, 1, 1, 0x61, 0, 0, 0],  // welcome naming a listener on port 0 (and a trailing byte)
        [0x02, 0, 0, 0, 3, 1, 5, 0x61],  // welcome with a listener name cut short
    ] as [[UInt8]])
    func hostile(_ bytes: [UInt8]) {
        var buffer = ByteBuffer(bytes: bytes)
        #expect(throws: ReplicationProtocolError.self) { _ = try ReplicationCodec.decode(&buffer) }
    }

    @Test("tcp URIs parse; anything else is refused")
    func uris() {
        #expect(ReplicationClient.parse("tcp://127.0.0.1:5679")! == ("127.0.0.1", 5679))
        #expect(ReplicationClient.parse("tcp://[::1]:5679")! == ("::1", 5679))
        #expect(ReplicationClient.parse("tcp://node-b.example:1")! == ("node-b.example", 1))
        for bad in ["http://a:1", "tcp://a", "tcp://:5", "tcp://a:0", "tcp://a:70000", "tcp://a:x"] {
            #expect(ReplicationClient.parse(bad) == nil, "\(bad)")
        }
    }
}
