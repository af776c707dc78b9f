import AMQPModel
import AMQPValues
import AMQPWire
import Auth
import Bytes
import FrontendSupport

/// One AMQP channel: method dispatch, content assembly, consumers, unacknowledged deliveries,
/// publisher confirms and transactions. Runs on its connection's loop thread only.
final class AMQPChannel {
    enum State {
        case open
        /// We sent channel.close and wait for close-ok; other frames are dropped (AMQP 0-9-1 §4.2.7).
        case closing
    }

    let number: UInt16
    /// The owning connection, which holds every channel and outlives it; `unowned(unsafe)` because a
    /// checked unowned reference costs an atomic increment on every access, on the per-message path.
    unowned(unsafe) let connection: AMQPConnection
    var state = State.open

    // Content assembly: basic.publish, then a header frame, then body frames.
    var publishing: BasicPublish?
    /// Properties and body size from the content header of the publish being assembled.
    var publishingHeader: (properties: BasicProperties, bodySize: Int)?
    var body: [UInt8] = []

    // Publishing.
    var routeTargets = RouteTargets<Destination>()
    /// The exchange of the last publish and the authorizer's `decisionRevision` its write permission was checked at,
    /// so a stream of publishes to one exchange skips the registry lookup and the permission check.
    var publishCache: (exchange: Exchange, revision: UInt64)?
    /// The queue the last publish through the default exchange went to (its name is the routing key).
    var defaultExchangeQueue: Queue?
    var confirmMode = false
    var confirms = PublisherConfirms()
    var transaction: Transaction?

    // Consuming.
    var consumers: [ByteString: ConsumerHandle] = [:]
    var prefetchCount = 0
    var channelCredit: PrefetchCredit?
    var unacked = UnackedDeliveries<ChannelDelivery>()
    var nextDeliveryTag: UInt64 = 1
    var flowActive = true
    var deliveryBatch: [QueueEntry] = []
    /// The last queue declared on this channel (an empty queue name in later methods means this one).
    var lastQueueName: ByteString?

    // Statistics: plain fields on the loop thread, read there by the management plane (`LoopHarvest`).
    @exclusivity(unchecked) var stats = ChannelStats()
    /// Publishes counted for `statsExchange` and not yet added to it: a stream of publishes to one exchange costs
    /// two increments each, and the exchange's own (locked) counters are touched only when the target changes or
    /// the counters are read.
    @exclusivity(unchecked) var exchangeDelta = ExchangeStats()
    @exclusivity(unchecked) var statsExchange: Exchange?

    init(number: UInt16, connection: AMQPConnection) {
        self.number = number
        self.connection = connection
    }

    var vhost: VHost { connection.vhost! }
    var authorizer: Authorizer { connection.authorizer! }
    var userName: String { connection.user?.name ?? "" }

    // MARK: - Dispatch

    func handle(_ method: AMQPMethod) throws(AMQPError) {
        if state == .closing {
            switch method {
            case .channelCloseOk: connection.channels[number] = nil
            case .channelClose: connection.send(.channelCloseOk(ChannelCloseOk()), channel: number)
            default: break
            }
            return
        }
        if publishing != nil {
            throw AMQPError.connection(
                ReplyCode.unexpectedFrame, "expected content header for class 60, got a method frame")
        }
        do {
            try dispatch(method)
        } catch {
            throw error.classId == 0 ? error.during(classId: method.classId, methodId: method.methodId) : error
        }
    }

    private func dispatch(_ method: AMQPMethod) throws(AMQPError) {
        switch method {
        case .channelClose:
            release()
            connection.channels[number] = nil
            connection.send(.channelCloseOk(ChannelCloseOk()), channel: number)
        case .channelCloseOk:
            return
        case .channelFlow(let m):
            flowActive = m.active
            connection.send(.channelFlowOk(ChannelFlowOk(active: m.active)), channel: number)
            if flowActive { for h in consumers.values { connection.pendingAvailable(for: h) } }
        case .channelOpen:
            throw AMQPError.connection(ReplyCode.channelError, "channel \(number) is already open")
        case .exchangeDeclare(let m): try exchangeDeclare(m)
        case .exchangeDelete(let m): try exchangeDelete(m)
        case .exchangeBind(let m): try exchangeBind(m)
        case .exchangeUnbind(let m): try exchangeUnbind(m)
        case .queueDeclare(let m): try queueDeclare(m)
        case .queueBind(let m): try queueBind(m)
        case .queueUnbind(let m): try queueUnbind(m)
        case .queuePurge(let m): try queuePurge(m)
        case .queueDelete(let m): try queueDelete(m)
        case .basicQos(let m): basicQos(m)
        case .basicConsume(let m): try basicConsume(m)
        case .basicCancel(let m): basicCancel(m)
        case .basicPublish(let m): publishing = m
        case .basicGet(let m): try basicGet(m)
        case .basicAck(let m): try settle(tag: m.deliveryTag, multiple: m.multiple, outcome: .ack)
        case .basicReject(let m):
            try settle(tag: m.deliveryTag, multiple: false, outcome: m.requeue ? .requeue : .reject)
        case .basicNack(let m):
            try settle(tag: m.deliveryTag, multiple: m.multiple, outcome: m.requeue ? .requeue : .reject)
        case .basicRecover: recover(reply: true)
        case .basicRecoverAsync: recover(reply: false)
        case .confirmSelect(let m): try confirmSelect(m)
        case .txSelect: try txSelect()
        case .txCommit: try txCommit()
        case .txRollback: try txRollback()
        default:
            throw AMQPError.connection(
                ReplyCode.commandInvalid,
                "method (class \(method.classId), method \(method.methodId)) is not valid from a client on a channel")
        }
    }

    // MARK: - Content

    func handleContent(_ frame: Frame) throws(AMQPError) {
        if state == .closing { return }
        guard let pending = publishing else {
            throw AMQPError.connection(
                ReplyCode.unexpectedFrame, "content frame on channel \(number) without a preceding basic.publish")
        }
        if frame.type == .header {
            guard publishingHeader == nil else {
                throw AMQPError.connection(ReplyCode.unexpectedFrame, "second content header on channel \(number)")
            }
            var payload = frame.payload
            let header: ContentHeader
            do { header = try ContentHeader.decode(&payload) } catch { throw AMQPError(error) }
            guard header.classId == 60 else {
                throw AMQPError.connection(ReplyCode.unexpectedFrame, "content header for class \(header.classId)")
            }
            if header.bodySize > UInt64(connection.configuration.maxMessageSize) {
                publishing = nil
                throw AMQPError.channel(
                    ReplyCode.preconditionFailed,
                    "message size \(header.bodySize) is larger than configured max size \(connection.configuration.maxMessageSize)"
                ).during(classId: 60, methodId: 40)
            }
            publishingHeader = (header.properties, Int(header.bodySize))
            body = []
            // Reserve at most 1 MiB up front: a header alone must not make us commit max_message_size bytes.
            body.reserveCapacity(min(Int(header.bodySize), 1 << 20))
        } else {
            guard let header = publishingHeader else {
                throw AMQPError.connection(
                    ReplyCode.unexpectedFrame, "content body on channel \(number) before its header")
            }
            frame.payload.withReadableBytes { body.append(contentsOf: $0) }
            if body.count > header.bodySize {
                throw AMQPError.connection(
                    ReplyCode.frameError, "content body larger than the declared \(header.bodySize) bytes")
            }
        }
        if let size = publishingHeader?.bodySize, body.count == size {
            publishing = nil
            let properties = publishingHeader.take()!.properties
            let bytes = body
            body = []
            do { try publish(pending, properties: properties, body: bytes) } catch {
                throw error.classId == 0 ? error.during(classId: 60, methodId: 40) : error
            }
        }
    }

    // MARK: - Close

    /// Sends channel.close for a channel exception and drops the channel's state.
    func close(with error: AMQPError) {
        connection.logger.warning(
            "channel \(number) on connection \(connection.id) (\(connection.name)) closed: \(error.replyText)")
        release()
        state = .closing
        connection.send(
            .channelClose(
                ChannelClose(
                    replyCode: error.replyCode, replyText: error.replyText, classId: error.classId,
                    methodId: error.methodId)),
            channel: number)
    }

    /// True when one of this channel's consumers takes messages from `queue`.
    func consumes(from queue: Queue) -> Bool {
        consumers.values.contains { $0.queue === queue }
    }

    /// Cancels consumers and requeues unacknowledged deliveries (channel or connection closed).
    func release() {
        for h in consumers.values { h.queue.removeConsumer(h) }
        consumers.removeAll()
        let all = unacked.takeAll()
        settleTaken(all, outcome: .requeue)
        publishing = nil
        publishingHeader = nil
        body = []
        transaction = nil
        confirms.removeAll()
        reportExchangeStats()
    }

    /// Adds the publishes counted since the last report to their exchange.
    func reportExchangeStats() {
        statsExchange?.count(exchangeDelta)
        exchangeDelta = ExchangeStats()
    }

    /// This channel's counters now (reporting its exchange counts on the way).
    func harvestStats() -> ChannelStats {
        reportExchangeStats()
        var s = stats
        s.confirm = confirms.confirmed
        return s
    }
}
