import AMQPModel
import AMQPWire
import FrontendSupport
import Transport

/// Batching of deliveries and publisher confirms: both are written once per loop turn.
extension AMQPConnection: LoopConsumer {
    /// A queue assigned messages to `handle`; deliver them at the end of this loop turn.
    func pendingAvailable(for handle: ConsumerHandle) {
        guard phase == .open else { return }
        drainList.append(handle)
        scheduleEndOfTurn()
    }

    /// Publisher confirms of `channel` are waiting; send them at the end of this loop turn.
    func requestConfirmFlush(_ channel: AMQPChannel) {
        confirmList.append(channel)
        scheduleEndOfTurn()
    }

    private func scheduleEndOfTurn() {
        guard !drainScheduled else { return }
        drainScheduled = true
        eventLoop.runAtEndOfTurn(self)
    }

    func endOfTurn() {
        drainScheduled = false
        guard phase == .open else {
            drainList.removeAll()
            confirmList.removeAll()
            return
        }
        if !confirmList.isEmpty {
            let list = confirmList
            confirmList.removeAll(keepingCapacity: true)
            for ch in list { ch.flushConfirms() }
        }
        if !drainList.isEmpty {
            let list = drainList
            drainList.removeAll(keepingCapacity: true)
            for h in list { channels[h.channelID]?.deliverPending(h) }
        }
    }

    /// The queue under a consumer was deleted: drop the consumer and tell the client (basic.cancel).
    func queueDeleted(under handle: ConsumerHandle) {
        guard phase == .open, let ch = channels[handle.channelID] else { return }
        ch.consumerCancelledByBroker(handle)
    }
}
