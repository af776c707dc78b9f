import Bytes
import CLibFuzzer
import Glibc
import MQTTCodec

/// One fuzz input for `MQTTDecoder`: the first byte picks the connection state (before CONNECT, MQTT 3.1,
/// MQTT 3.1.1), the rest is what the peer sent. Packets are decoded until the decoder wants more bytes or throws;
/// a decoded CONNECT moves the state to its protocol level, as the connection does.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzMQTT(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    var version: MQTTProtocolVersion? =
        switch data[0] % 3 {
        case 0: nil
        case 1: .v3_1
        default: .v3_1_1
        }
    var buffer = ByteBuffer(bytes: UnsafeBufferPointer(start: data + 1, count: size - 1))
    while true {
        let before = buffer.readableBytes
        guard let packet = try? MQTTDecoder.decode(&buffer, version: version, maxPacketSize: 1 << 20) else { break }
        precondition(buffer.readableBytes < before, "a decoded packet consumed no bytes")
        if case .connect(let connect) = packet { version = connect.protocolVersion }
    }
    return 0
}

exit(gateway_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv) { data, size in fuzzMQTT(data!, size) })
