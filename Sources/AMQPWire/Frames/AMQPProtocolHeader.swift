/// The protocol header a client sends before its first frame: "AMQP", 0, 0, 9, 1 (AMQP 0-9-1 §4.2.2).
///
/// A server that gets anything else answers with this header and closes the connection.
public let amqpProtocolHeader: [UInt8] = [0x41, 0x4D, 0x51, 0x50, 0, 0, 9, 1]
