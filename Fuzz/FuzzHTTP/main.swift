import CLibFuzzer
import Glibc

@testable import HTTPFetch

/// One fuzz input for `ResponseParser`: the first byte picks the body limit and whether the connection ends cleanly,
/// the next two where the rest is cut into up to three chunks, and the rest is what the server sent. The parser is
/// fed the chunks, then told the connection ended; every outcome but a crash or a body over the limit is fine.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzHTTP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 3 else { return 0 }
    let maxBodySize = [16, 4096, 1 << 20][Int(data[0] & 0x03) % 3]
    let clean = data[0] & 0x04 != 0
    let response = Array(UnsafeBufferPointer(start: data + 3, count: size - 3))
    let cuts = [Int(data[1]), Int(data[2])].map { min($0 * response.count / 255, response.count) }.sorted()
    var parser = ResponseParser(maxBodySize: maxBodySize)
    do {
        try parser.consume(response[..<cuts[0]])
        try parser.consume(response[cuts[0]..<cuts[1]])
        try parser.consume(response[cuts[1]...])
        try parser.finish(clean: clean)
        precondition(parser.head != nil, "a complete response without a head")
    } catch {
        return 0
    }
    precondition(parser.body.count <= maxBodySize, "a body of \(parser.body.count) bytes passed the limit")
    return 0
}

exit(gateway_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv) { data, size in fuzzHTTP(data!, size) })
