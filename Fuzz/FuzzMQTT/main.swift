import Bytes
import CLibFuzzer
import Glibc
import MQTTCodec

/// One fuzz input for `MQTTDecoder`: the first byte picks the connection state, the rest is what the peer sent.
/// 0: before CONNECT, refusing MQTT 5 (what the 3.x frontend does); 1: an MQTT 3.1 session; 2: an MQTT 3.1.1
/// session; 3: before CONNECT, accepting MQTT 5; 4: an MQTT 5 session. Packets are decoded until the decoder wants
/// more bytes or throws; a decoded CONNECT moves the state to its protocol level, as the connection does.
///
/// Whatever decodes must survive a round trip: encoding it in the session's version and decoding that encoding gives
/// an equal packet, and encoding that packet gives the same bytes again.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzMQTT(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let mode = data[0] % 5
    var version: MQTTProtocolVersion? =
        switch mode {
        case 1: .v3_1
        case 2: .v3_1_1
        case 4: .v5
        default: nil
        }
    let acceptsMQTT5 = mode >= 3
    var buffer = ByteBuffer(bytes: UnsafeBufferPointer(start: data + 1, count: size - 1))
    while true {
        let before = buffer.readableBytes
        guard
            let packet = try? MQTTDecoder.decode(
                &buffer, version: version, maxPacketSize: 1 << 20, acceptsMQTT5: acceptsMQTT5)
        else { break }
        precondition(buffer.readableBytes < before, "a decoded packet consumed no bytes")
        checkRoundTrip(packet, version: version)
        if case .connect(let connect) = packet { version = connect.protocolVersion }
    }
    return 0
}

/// Encodes a packet decoded in `version` (nil: a CONNECT, in its own level), decodes the encoding completely and
/// encodes the result again.
private func checkRoundTrip(_ packet: MQTTPacket, version: MQTTProtocolVersion?) {
    var encodeVersion = version ?? .v3_1_1
    if case .connect(let connect) = packet { encodeVersion = connect.protocolVersion }
    var buffer = ByteBuffer()
    MQTTEncoder.encode(packet, version: encodeVersion, into: &buffer)
    let encoded = buffer.readableBytesArray
    let decoded: MQTTPacket?
    do {
        decoded = try MQTTDecoder.decode(&buffer, version: version, maxPacketSize: .max, acceptsMQTT5: true)
    } catch {
        preconditionFailure("\(packet) encoded as \(encoded) does not decode: \(error)")
    }
    guard let decoded, decoded == packet else {
        preconditionFailure("\(packet) encoded as \(encoded) decodes as \(String(describing: decoded))")
    }
    precondition(buffer.readableBytes == 0, "\(packet) encoded as \(encoded) leaves bytes after decoding")
    var again = ByteBuffer()
    MQTTEncoder.encode(decoded, version: encodeVersion, into: &again)
    precondition(again.readableBytesArray == encoded, "\(packet) decoded from its encoding encodes differently")
}

exit(gateway_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv) { data, size in fuzzMQTT(data!, size) })
