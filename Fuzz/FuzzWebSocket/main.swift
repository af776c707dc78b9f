import Bytes
import CLibFuzzer
import Glibc
import HTTPCodec
import WebSocketCodec

/// One fuzz input for MQTT over WebSocket. First byte: mode 0 is an opening handshake (the rest is the HTTP request
/// for `HTTPRequestParser`, then `WebSocketHandshake.accept`); any other value is client frames for
/// `WebSocketFrameDecoder` with a frame limit picked by that byte, fed in two chunks cut where the second byte says.
/// Beyond "no crash": a refusal carries a close code RFC 6455 allows on the wire, the unframed bytes never exceed
/// what was fed, and the input never holds more than one frame header and the frame limit (125 bytes for a
/// control frame) once it stops.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzWebSocket(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data + 2, count: size - 2))
    if data[0] == 0 {
        var buffer = ByteBuffer(bytes: input)
        guard let request = try? HTTPRequestParser(maxHeadBytes: 8192, maxBodyBytes: 0).parse(&buffer) else { return 0 }
        let handshake = WebSocketHandshake(paths: ["/mqtt", "/ws"], subprotocols: ["mqtt"])
        if case .failure(let refusal) = handshake.accept(request) {
            precondition([400, 404, 405, 426].contains(refusal.status.code), "unexpected status \(refusal.status.code)")
        }
        return 0
    }
    let limit = [16, 125, 126, 65_536][Int(data[0]) % 4]
    var decoder = WebSocketFrameDecoder(maxFrameSize: limit, maxMessageSize: limit * 2)
    let cut = min(Int(data[1]) * input.count / 255, input.count)
    var buffer = ByteBuffer()
    var unframed = ByteBuffer()
    for chunk in [input[..<cut], input[cut...]] {
        buffer.writeBytes(Array(chunk))
        do {
            while try decoder.next(&buffer, data: &unframed) != nil {}
        } catch {
            precondition([1002, 1003, 1007, 1009].contains(error.closeCode), "unexpected close code \(error.closeCode)")
            return 0
        }
        precondition(buffer.readableBytes <= 14 + max(limit, 125), "a frame over the limit was buffered")
    }
    precondition(unframed.readableBytes <= input.count, "more data out than in")
    return 0
}

exit(gateway_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv) { data, size in fuzzWebSocket(data!, size) })
