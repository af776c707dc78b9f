import AMQPValues
import AMQPWire
import Bytes
import CLibFuzzer
import Glibc

/// One fuzz input for the AMQP 0-9-1 wire decoders. The first byte picks what the rest is:
/// 0: bytes from a peer, cut into frames by `FrameDecoder` until it wants more or throws, each method and content
///    header payload decoded as the connection does; 1: a method payload; 2: a content header payload; 3: a field
///    table. Frames take a valid header, length and frame end, which random bytes rarely have, so modes 1-3 reach the
///    payload decoders directly.
///
/// Whatever decodes must survive a round trip: encoding it and decoding the encoding gives the same bytes again
/// (compared as bytes, since a NaN float field is not equal to itself).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzAMQP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    var buffer = ByteBuffer(bytes: UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch data[0] % 4 {
    case 0: decodeFrames(&buffer)
    case 1: decodeMethod(buffer)
    case 2: decodeHeader(buffer)
    default: decodeTable(buffer)
    }
    return 0
}

private func decodeFrames(_ buffer: inout ByteBuffer) {
    while true {
        let before = buffer.readableBytes
        guard let frame = try? FrameDecoder.decode(&buffer, maxFrameSize: 128 * 1024) else { return }
        precondition(buffer.readableBytes < before, "a decoded frame consumed no bytes")
        switch frame.type {
        case .method: decodeMethod(frame.payload)
        case .header: decodeHeader(frame.payload)
        case .body, .heartbeat: break
        }
    }
}

private func decodeMethod(_ payload: ByteBuffer) {
    var payload = payload
    guard let method = try? AMQPMethod.decode(&payload) else { return }
    checkRoundTrip(method, { $0.encode(into: &$1) }, AMQPMethod.decode)
}

private func decodeHeader(_ payload: ByteBuffer) {
    var payload = payload
    guard let header = try? ContentHeader.decode(&payload) else { return }
    checkRoundTrip(header, { $0.encode(into: &$1) }, ContentHeader.decode)
}

private func decodeTable(_ payload: ByteBuffer) {
    var payload = payload
    guard let table = try? FieldTable.decode(&payload) else { return }
    checkRoundTrip(table, { $0.encode(into: &$1) }, FieldTable.decode)
}

/// Encodes a decoded value, decodes that encoding completely and encodes the result: both encodings must match.
private func checkRoundTrip<Value>(
    _ value: Value, _ encode: (Value, inout ByteBuffer) -> Void,
    _ decode: (inout ByteBuffer) throws(AMQPWireError) -> Value
) {
    var first = ByteBuffer()
    encode(value, &first)
    var reading = first
    let again: Value
    do {
        again = try decode(&reading)
    } catch {
        preconditionFailure("the encoding of a decoded value does not decode: \(error)")
    }
    precondition(reading.readableBytes == 0, "decoding an encoding left \(reading.readableBytes) bytes")
    var second = ByteBuffer()
    encode(again, &second)
    precondition(first.readableBytesArray == second.readableBytesArray, "a decoded value encodes differently twice")
}

exit(gateway_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv) { data, size in fuzzAMQP(data!, size) })
