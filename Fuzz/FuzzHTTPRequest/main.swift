import Bytes
import CLibFuzzer
import Glibc
import HTTPCodec

/// One fuzz input for the management API's `HTTPRequestParser`: the first byte picks the head and body limits, the
/// rest is what a client sent, fed in two chunks cut where the second byte says. Every outcome but a crash is fine,
/// as long as what parses respects the limits, consumes what it claims, and its 4xx/5xx status is one the server
/// sends.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzHTTPRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let parser = HTTPRequestParser(
        maxHeadBytes: [64, 1024, 8192][Int(data[0] & 0x03) % 3], maxBodyBytes: [0, 100, 1 << 16][Int(data[0] >> 2) % 3])
    let input = Array(UnsafeBufferPointer(start: data + 2, count: size - 2))
    let cut = min(Int(data[1]) * input.count / 255, input.count)
    var buffer = ByteBuffer()
    for chunk in [input[..<cut], input[cut...]] {
        buffer.writeBytes(Array(chunk))
        do {
            while let request = try parser.parse(&buffer) {
                precondition(request.body.count <= parser.maxBodyBytes, "a body over the limit was accepted")
                precondition(!request.method.isEmpty && request.target.first == "/", "a request without method or path")
            }
        } catch {
            precondition(
                [400, 413, 414, 431, 501, 505].contains(error.status.code), "unexpected status \(error.status.code)")
            return 0
        }
    }
    return 0
}

exit(gateway_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv) { data, size in fuzzHTTPRequest(data!, size) })
