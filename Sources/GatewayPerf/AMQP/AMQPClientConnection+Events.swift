import AMQPWire
import Bytes

extension AMQPClientConnection {
    /// Cuts the next whole frame out of the receive buffer (AMQP 0-9-1 §4.2.3), or returns nil until one is there.
    ///
    /// basic.deliver, basic.ack, basic.nack, content headers and bodies are read in place (see `InboundEvent`);
    /// other methods go through `AMQPMethod.decode`. connection.close and channel.close from the broker are
    /// answered with their close-ok and thrown, so every loop stops on them the same way.
    /// - Throws: `PerfError.closedByBroker`, or `PerfError.protocolViolation` for a malformed frame.
    func nextEvent() throws(PerfError) -> InboundEvent? {
        let buffer = receive
        guard buffer.readable >= Frame.headerSize else { return nil }
        let typeOctet = buffer.load(at: 0, as: UInt8.self)
        let channel = buffer.load(at: 1, as: UInt16.self)
        let size = Int(buffer.load(at: 3, as: UInt32.self))
        guard let type = FrameType(rawValue: typeOctet) else {
            if typeOctet == UInt8(ascii: "A") {
                throw .protocolViolation("the server answered with a protocol header: it does not speak AMQP 0-9-1")
            }
            throw .protocolViolation(AMQPWireError.unknownFrameType(typeOctet).description)
        }
        let frameSize = size + Frame.overhead
        guard frameSize <= frameMax else {
            throw .protocolViolation(AMQPWireError.frameTooLarge(size: frameSize, max: frameMax).description)
        }
        guard buffer.readable >= frameSize else { return nil }
        guard buffer.load(at: frameSize - 1, as: UInt8.self) == Frame.end else {
            throw .protocolViolation(AMQPWireError.badFrameEnd.description)
        }
        defer { buffer.start += frameSize }
        let payload = Frame.headerSize
        switch type {
        case .method:
            guard size >= 4 else { throw .protocolViolation("method frame of \(size) bytes") }
            if buffer.load(at: payload, as: UInt16.self) == BasicDeliver.classId {
                switch buffer.load(at: payload + 2, as: UInt16.self) {
                case BasicDeliver.methodId:
                    let tagOffset = 5 + Int(buffer.load(at: payload + 4, as: UInt8.self))
                    guard tagOffset + 8 <= size else { throw .protocolViolation("basic.deliver truncated") }
                    return .deliver(deliveryTag: buffer.load(at: payload + tagOffset, as: UInt64.self))
                case BasicAck.methodId, BasicNack.methodId:
                    guard size >= 13 else { throw .protocolViolation("basic.ack/nack truncated") }
                    let tag = buffer.load(at: payload + 4, as: UInt64.self)
                    let multiple = buffer.load(at: payload + 12, as: UInt8.self) & 1 != 0
                    let isAck = buffer.load(at: payload + 2, as: UInt16.self) == BasicAck.methodId
                    return isAck ? .ack(deliveryTag: tag, multiple: multiple) : .nack(deliveryTag: tag, multiple: multiple)
                default:
                    break
                }
            }
            return .method(try decodeMethod(payloadSize: size, channel: channel), channel: channel)
        case .header:
            guard size >= 12 else { throw .protocolViolation("content header truncated") }
            return .header(bodySize: buffer.load(at: payload + 4, as: UInt64.self))
        case .body:
            return .body(length: size, leadingWord: size >= 8 ? buffer.load(at: payload, as: UInt64.self) : 0)
        case .heartbeat:
            return .heartbeat
        }
    }

    /// Decodes the method frame at the front of the buffer; answers and throws connection.close / channel.close.
    private func decodeMethod(payloadSize: Int, channel: UInt16) throws(PerfError) -> AMQPMethod {
        var payload = ByteBuffer(bytes: UnsafeRawBufferPointer(start: receive.base + receive.start + Frame.headerSize, count: payloadSize))
        let method: AMQPMethod
        do {
            method = try AMQPMethod.decode(&payload)
        } catch {
            throw .protocolViolation(error.description)
        }
        switch method {
        case .connectionClose(let close):
            replyBestEffort(.connectionCloseOk(ConnectionCloseOk()), channel: 0)
            throw .closedByBroker(
                channel: 0, replyCode: close.replyCode, replyText: close.replyText.string, classId: close.classId,
                methodId: close.methodId)
        case .channelClose(let close):
            replyBestEffort(.channelCloseOk(ChannelCloseOk()), channel: channel)
            throw .closedByBroker(
                channel: channel, replyCode: close.replyCode, replyText: close.replyText.string, classId: close.classId,
                methodId: close.methodId)
        default:
            return method
        }
    }

    /// Sends `method` if the broker takes it within a second; used for close-ok on the way out.
    private func replyBestEffort(_ method: AMQPMethod, channel: UInt16) {
        outgoing.clear()
        enqueue(method, channel: channel)
        do {
            try flush(deadline: Nanoseconds.now() + 1_000_000_000)
        } catch {
            outgoing.clear()
        }
    }
}
