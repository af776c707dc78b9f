import Bytes
import CLibFuzzer
import Glibc
import MQTTCodec

/// One fuzz input for `MQTTDecoder`: the first byte picks the connection state (before CONNECT, MQTT 3.1,
/// MQTT 3.1.1, MQTT 5), the rest is what the peer sent. Packets are decoded until the decoder wants more bytes or
/// throws; a decoded CONNECT moves the state to its protocol level, as the connection does. In MQTT 5 every packet
/// that decodes is encoded again and must decode to the same packet.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzMQTT(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    var version: MQTTProtocolVersion? =
        switch data[0] % 4 {
        case 0: nil
        case 1: .v3_1
        case 2: .v3_1_1
        default: .v5
        }
    var buffer = ByteBuffer(bytes: UnsafeBufferPointer(start: data + 1, count: size - 1))
    while true {
        let before = buffer.readableBytes
        guard let packet = try? MQTTDecoder.decode(&buffer, version: version, maxPacketSize: 1 << 20) else { break }
        precondition(buffer.readableBytes < before, "a decoded packet consumed no bytes")
        if version == .v5 {
            var again = ByteBuffer()
            MQTTEncoder.encode(packet, version: .v5, into: &again)
            let decoded = try? MQTTDecoder.decode(&again, version: .v5, maxPacketSize: 1 << 20)
            precondition(decoded == packet, "an MQTT 5 packet did not survive encode and decode")
        }
        if case .connect(let connect) = packet { version = connect.protocolVersion }
    }
    return 0
}

exit(gateway_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv) { data, size in fuzzMQTT(data!, size) })
