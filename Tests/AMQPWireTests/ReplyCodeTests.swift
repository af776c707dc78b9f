import AMQPWire
import Testing

@Suite("Reply codes and wire errors")
struct ReplyCodeTests {
    @Test("reply code names are RabbitMQ's")
    func names() {
        #expect(ReplyCodeName.name(ReplyCode.notFound) == "NOT_FOUND")
        #expect(ReplyCodeName.name(ReplyCode.accessRefused) == "ACCESS_REFUSED")
        #expect(ReplyCodeName.name(ReplyCode.preconditionFailed) == "PRECONDITION_FAILED")
        #expect(ReplyCodeName.name(ReplyCode.frameError) == "FRAME_ERROR")
        #expect(ReplyCodeName.name(ReplyCode.notImplemented) == "NOT_IMPLEMENTED")
        #expect(ReplyCodeName.name(ReplyCode.success) == "REPLY_SUCCESS")
        #expect(ReplyCodeName.name(999) == "UNKNOWN")
    }

    @Test("reply code values follow the spec")
    func values() {
        let codes: [UInt16] = [
            ReplyCode.success, ReplyCode.contentTooLarge, ReplyCode.noRoute, ReplyCode.noConsumers,
            ReplyCode.connectionForced, ReplyCode.invalidPath, ReplyCode.accessRefused, ReplyCode.notFound,
            ReplyCode.resourceLocked, ReplyCode.preconditionFailed, ReplyCode.frameError, ReplyCode.syntaxError,
            ReplyCode.commandInvalid, ReplyCode.channelError, ReplyCode.unexpectedFrame, ReplyCode.resourceError,
            ReplyCode.notAllowed, ReplyCode.notImplemented, ReplyCode.internalError,
        ]
        #expect(codes == [200, 311, 312, 313, 320, 402, 403, 404, 405, 406, 501, 502, 503, 504, 505, 506, 530, 540, 541])
    }

    @Test("wire errors carry their reply code and read like RabbitMQ reply texts")
    func errors() {
        #expect(AMQPWireError.frameTooLarge(size: 10, max: 8).replyCode == 501)
        #expect(AMQPWireError.badFrameEnd.replyCode == 501)
        #expect(AMQPWireError.unknownFrameType(4).replyCode == 501)
        #expect(AMQPWireError.syntax("x").replyCode == 502)
        #expect(AMQPWireError.notImplemented(classId: 1, methodId: 2).replyCode == 540)
        #expect(AMQPWireError.unknownFrameType(4).description == "FRAME_ERROR - unknown frame type 4")
    }
}
