import CLibFuzzer
import Glibc
import ProxyProtocol

/// One fuzz input for the PROXY protocol v2 header decoder, fed whole and cut where the first byte says. Beyond "no
/// crash": a header is never longer than the input or the limit, a complete header decodes the same from a longer
/// input, a prefix of a header never throws, and a decoded TCP header encodes back to bytes that decode to it.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzProxy(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let cut = min(Int(data[0]) * input.count / 255, input.count)
    let whole = input.withUnsafeBytes { try? ProxyHeader.decode($0) }
    guard let (header, used) = whole else { return 0 }
    precondition(used <= input.count && used <= ProxyHeader.maxLength, "header longer than its input or the limit")
    if cut < used {
        let partial = Array(input.prefix(cut))
        let result = partial.withUnsafeBytes { bytes in
            Result { () throws(ProxyProtocolError) in try ProxyHeader.decode(bytes) }
        }
        guard case .success(nil) = result else { preconditionFailure("a prefix of a header was not 'need more'") }
    }
    if header.source != nil, let bytes = header.encoded() {
        let again = bytes.withUnsafeBytes { try? ProxyHeader.decode($0) }
        precondition(again?.0 == header, "a decoded header does not survive encoding")
    }
    return 0
}

exit(gateway_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv) { data, size in fuzzProxy(data!, size) })
