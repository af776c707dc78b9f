import Bytes
import Storage

/// The replication port's wire format, no I/O.
///
/// Every frame is `type UInt8 | length UInt32 BE | payload`. Payloads (integers big-endian, strings UTF-8 with a
/// UInt16 length):
/// ```
/// 1 hello      "GWRP" | version UInt8 = 1 | UInt16 n | secret | UInt16 n | node URI
/// 2 welcome    UInt8 count | count × (UInt8 n | listener name | UInt16 port)
/// 3 refused    reason (the rest of the payload)
/// 4 index      UInt32 count | count × (UInt8 1 = directory | UInt16 n | path | UInt64 size | UInt32 CRC-32C)
/// 5 change     op UInt8 | UInt16 n | path | operand:
///                1 write: UInt64 offset | bytes (the rest)    2 truncate: UInt64 size    3 create
///                4 remove    5 rename: UInt16 n | target path    6 make directory    7 remove directory
/// 6 phase end  UInt8 final | UInt64 position
/// 7 heartbeat  UInt64 position
/// 8 ack        UInt64 position
/// ```
/// Stream positions count the bytes of the change frames the leader has sent since it started recording, so both
/// sides compute them without sending them per change.
public enum ReplicationCodec {
    /// The largest payload accepted (an index of about 700 000 files).
    public static let maxPayload = 64 << 20
    /// The largest write carried by one change frame; longer writes are split.
    public static let maxWriteChunk = 1 << 20
    /// Frame header bytes.
    public static let headerSize = 5
    static let magic: [UInt8] = Array("GWRP".utf8)
    static let version: UInt8 = 1

    /// Appends `message` as one frame (a `write` change longer than `maxWriteChunk` as several).
    public static func encode(_ message: ReplicationMessage, into out: inout ByteBuffer) {
        switch message {
        case .hello(let secret, let node):
            frame(1, into: &out) { p in
                p.writeBytes(magic)
                p.writeUInt8(version)
                p.writeInteger(UInt16(clamping: secret.count))
                p.writeBytes(secret.prefix(Int(UInt16.max)))
                writeString(node, into: &p)
            }
        case .welcome(let ports):
            frame(2, into: &out) { p in
                let listed = ports.prefix(Int(UInt8.max)).filter { $0.name.utf8.count <= Int(UInt8.max) && (1...65535).contains($0.port) }
                p.writeUInt8(UInt8(listed.count))
                for entry in listed {
                    p.writeUInt8(UInt8(entry.name.utf8.count))
                    p.writeBytes(entry.name.utf8)
                    p.writeInteger(UInt16(entry.port))
                }
            }
        case .refused(let reason):
            frame(3, into: &out) { p in p.writeBytes(Array(reason.utf8.prefix(1024))) }
        case .index(let entries):
            frame(4, into: &out) { p in
                p.writeInteger(UInt32(entries.count))
                for e in entries {
                    p.writeUInt8(e.isDirectory ? 1 : 0)
                    writeString(e.path, into: &p)
                    p.writeInteger(UInt64(e.size))
                    p.writeInteger(e.checksum)
                }
            }
        case .change(let change):
            switch change {
            case .write(let path, let offset, let bytes):
                bytes.withUnsafeBytes { encode(.write(path: path, offset: offset, bytes: $0), into: &out) }
            case .truncate(let path, let size): encode(.truncate(path: path, size: size), into: &out)
            case .create(let path): encode(.create(path: path), into: &out)
            case .remove(let path): encode(.remove(path: path), into: &out)
            case .rename(let from, let to): encode(.rename(from: from, to: to), into: &out)
            case .makeDirectory(let path): encode(.makeDirectory(path: path), into: &out)
            case .removeDirectory(let path): encode(.removeDirectory(path: path), into: &out)
            }
        case .phaseEnd(let final, let position):
            frame(6, into: &out) { p in
                p.writeUInt8(final ? 1 : 0)
                p.writeInteger(position)
            }
        case .heartbeat(let position):
            frame(7, into: &out) { p in p.writeInteger(position) }
        case .ack(let position):
            frame(8, into: &out) { p in p.writeInteger(position) }
        }
    }

    /// Appends `change` as change frames (a long write split into `maxWriteChunk` pieces).
    public static func encode(_ change: FileChange, into out: inout ByteBuffer) {
        switch change {
        case .write(let path, let offset, let bytes):
            var done = 0
            repeat {
                let piece = UnsafeRawBufferPointer(rebasing: bytes[done..<min(bytes.count, done + maxWriteChunk)])
                frame(5, into: &out) { p in
                    p.writeUInt8(1)
                    writeString(path, into: &p)
                    p.writeInteger(UInt64(offset + done))
                    p.writeBytes(piece)
                }
                done += piece.count
            } while done < bytes.count
        case .truncate(let path, let size):
            frame(5, into: &out) { p in
                p.writeUInt8(2)
                writeString(path, into: &p)
                p.writeInteger(UInt64(size))
            }
        case .create(let path): pathChange(3, path, into: &out)
        case .remove(let path): pathChange(4, path, into: &out)
        case .rename(let from, let to):
            frame(5, into: &out) { p in
                p.writeUInt8(5)
                writeString(from, into: &p)
                writeString(to, into: &p)
            }
        case .makeDirectory(let path): pathChange(6, path, into: &out)
        case .removeDirectory(let path): pathChange(7, path, into: &out)
        }
    }

    /// Decodes the frame at the start of `buffer` and consumes it; nil (nothing consumed) while it is incomplete.
    /// Returns the message and the frame's size in bytes.
    public static func decode(_ buffer: inout ByteBuffer) throws(ReplicationProtocolError) -> (ReplicationMessage, Int)? {
        guard let type = buffer.peekUInt8(), let length = buffer.peekInteger(at: 1, as: UInt32.self) else { return nil }
        guard (1...8).contains(type) else { throw ReplicationProtocolError("unknown frame type \(type)") }
        guard Int(length) <= maxPayload else {
            throw ReplicationProtocolError("frame of \(length) bytes over the limit of \(maxPayload)")
        }
        let size = headerSize + Int(length)
        guard buffer.readableBytes >= size else { return nil }
        buffer.moveReaderIndex(forwardBy: headerSize)
        var payload = buffer.readSlice(Int(length))!
        let message = try decodePayload(type, &payload)
        guard payload.readableBytes == 0 else {
            throw ReplicationProtocolError("\(payload.readableBytes) unexpected bytes after a frame of type \(type)")
        }
        return (message, size)
    }

    private static func decodePayload(_ type: UInt8, _ p: inout ByteBuffer) throws(ReplicationProtocolError) -> ReplicationMessage {
        switch type {
        case 1:
            guard p.readBytes(4) == magic else { throw ReplicationProtocolError("not a Gateway replication hello") }
            let v = try read(UInt8.self, &p)
            guard v == version else { throw ReplicationProtocolError("replication protocol version \(v), expected \(version)") }
            let secretLength = Int(try read(UInt16.self, &p))
            guard let secret = p.readBytes(secretLength) else { throw ReplicationProtocolError("truncated secret") }
            return .hello(secret: secret, node: try readString(&p))
        case 2:
            let count = Int(try read(UInt8.self, &p))
            var ports: [ClientPort] = []
            for _ in 0..<count {
                let length = Int(try read(UInt8.self, &p))
                guard let name = p.readBytes(length), let text = String(validating: name, as: UTF8.self) else {
                    throw ReplicationProtocolError("truncated listener name")
                }
                let port = try read(UInt16.self, &p)
                guard port != 0 else { throw ReplicationProtocolError("listener \(text) on port 0") }
                ports.append(ClientPort(name: text, port: Int(port)))
            }
            return .welcome(ports: ports)
        case 3:
            let reason = String(decoding: p.readableBytesArray, as: UTF8.self)
            p.moveReaderIndex(forwardBy: p.readableBytes)
            return .refused(reason)
        case 4:
            let count = Int(try read(UInt32.self, &p))
            guard count <= p.readableBytes / 15 else { throw ReplicationProtocolError("index of \(count) entries does not fit its frame") }
            var entries: [FileIndexEntry] = []
            entries.reserveCapacity(count)
            for _ in 0..<count {
                let directory = try read(UInt8.self, &p)
                guard directory <= 1 else { throw ReplicationProtocolError("index entry kind \(directory)") }
                let path = try readString(&p)
                let size = try read(UInt64.self, &p)
                guard size <= UInt64(Int.max) else { throw ReplicationProtocolError("file size \(size)") }
                entries.append(
                    FileIndexEntry(path: path, isDirectory: directory == 1, size: Int(size), checksum: try read(UInt32.self, &p)))
            }
            return .index(entries)
        case 5:
            return .change(try decodeChange(&p))
        case 6:
            let final = try read(UInt8.self, &p)
            guard final <= 1 else { throw ReplicationProtocolError("phase end flag \(final)") }
            return .phaseEnd(final: final == 1, position: try read(UInt64.self, &p))
        case 7:
            return .heartbeat(position: try read(UInt64.self, &p))
        default:
            return .ack(position: try read(UInt64.self, &p))
        }
    }

    private static func decodeChange(_ p: inout ByteBuffer) throws(ReplicationProtocolError) -> ReplicatedChange {
        let op = try read(UInt8.self, &p)
        let path = try readString(&p)
        switch op {
        case 1:
            let offset = try read(UInt64.self, &p)
            guard offset <= UInt64(Int.max / 2) else { throw ReplicationProtocolError("write offset \(offset)") }
            let bytes = p.readableBytesArray
            p.moveReaderIndex(forwardBy: bytes.count)
            return .write(path: path, offset: Int(offset), bytes: bytes)
        case 2:
            let size = try read(UInt64.self, &p)
            guard size <= UInt64(Int.max / 2) else { throw ReplicationProtocolError("truncate size \(size)") }
            return .truncate(path: path, size: Int(size))
        case 3: return .create(path: path)
        case 4: return .remove(path: path)
        case 5: return .rename(from: path, to: try readString(&p))
        case 6: return .makeDirectory(path: path)
        case 7: return .removeDirectory(path: path)
        default: throw ReplicationProtocolError("unknown change \(op)")
        }
    }

    private static func frame(_ type: UInt8, into out: inout ByteBuffer, _ body: (inout ByteBuffer) -> Void) {
        out.writeUInt8(type)
        let lengthAt = out.writerIndex
        out.writeInteger(UInt32(0))
        body(&out)
        out.setInteger(UInt32(out.writerIndex - lengthAt - 4), at: lengthAt)
    }

    private static func pathChange(_ op: UInt8, _ path: String, into out: inout ByteBuffer) {
        frame(5, into: &out) { p in
            p.writeUInt8(op)
            writeString(path, into: &p)
        }
    }

    private static func writeString(_ s: String, into p: inout ByteBuffer) {
        let bytes = s.utf8.prefix(Int(UInt16.max))
        p.writeInteger(UInt16(bytes.count))
        p.writeBytes(bytes)
    }

    private static func read<T: FixedWidthInteger>(_: T.Type, _ p: inout ByteBuffer) throws(ReplicationProtocolError) -> T {
        guard let v = p.readInteger(as: T.self) else { throw ReplicationProtocolError("truncated frame") }
        return v
    }

    private static func readString(_ p: inout ByteBuffer) throws(ReplicationProtocolError) -> String {
        let n = Int(try read(UInt16.self, &p))
        guard let bytes = p.readBytes(n) else { throw ReplicationProtocolError("truncated string") }
        guard let s = String(validating: bytes, as: UTF8.self) else { throw ReplicationProtocolError("a path that is not UTF-8") }
        return s
    }
}
