import Bytes
import CLibFuzzer
import Glibc
import Replication

/// One fuzz input for the replication port's frame decoder (what a leader reads from anyone who connects, and a
/// follower from its leader), fed as a stream in pieces whose sizes the first byte picks. Beyond "no crash": a frame
/// is never longer than the bytes given, a decoded frame encodes back to itself, and feeding the same bytes whole or
/// in pieces decodes the same frames up to the same error.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzReplication(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let piece = Int(data[0]) % 64 + 1
    let whole = decodeAll([input])
    let pieces = decodeAll(stride(from: 0, to: input.count, by: piece).map { Array(input[$0..<min($0 + piece, input.count)]) })
    precondition(whole.messages == pieces.messages && whole.failed == pieces.failed, "pieces decode differently")
    for message in whole.messages {
        var out = ByteBuffer()
        ReplicationCodec.encode(message, into: &out)
        var again = out
        let decoded = try? ReplicationCodec.decode(&again)
        if case .change(.write(_, _, let bytes)) = message, bytes.count > ReplicationCodec.maxWriteChunk { continue }
        precondition(decoded?.0 == message, "a decoded frame does not survive encoding")
    }
    return 0
}

/// Every frame decoded from `pieces` appended one after another, and whether decoding stopped on an error.
func decodeAll(_ pieces: [[UInt8]]) -> (messages: [ReplicationMessage], failed: Bool) {
    var buffer = ByteBuffer()
    var messages: [ReplicationMessage] = []
    var fed = 0
    for piece in pieces {
        buffer.writeBytes(piece)
        fed += piece.count
        while true {
            let before = buffer.readableBytes
            do {
                guard let (message, length) = try ReplicationCodec.decode(&buffer) else { break }
                precondition(length <= before && before - buffer.readableBytes == length, "frame longer than its input")
                messages.append(message)
            } catch {
                return (messages, true)
            }
        }
    }
    return (messages, false)
}

exit(gateway_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv) { data, size in fuzzReplication(data!, size) })
