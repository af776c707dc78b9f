import MQTTCodec

/// The client's PUBLISH handshakes (MQTT 3.1.1 §4.3): which PUBLISH to route and what to answer. The
/// acknowledgement goes out through `DurableAcks` once the routed message is durable.
///
/// QoS 2 keeps the packet id from PUBLISH until PUBREL (in the session state, so it survives a reconnect): a
/// resent PUBLISH with that id is answered again but not routed twice [MQTT-4.3.3-2].
struct MQTTInbound {
    /// What to do with one PUBLISH.
    struct Decision: Equatable {
        /// Route the message.
        let route: Bool
        /// The acknowledgement to send once it is durable (PUBACK or PUBREC), nil for QoS 0.
        let ack: MQTTPacket?
    }

    /// Packet ids of QoS 2 PUBLISHes routed and answered with PUBREC, awaiting PUBREL.
    private(set) var awaitingRelease: Set<UInt16>

    /// The inbound state of a new session, or of a resumed one (`awaitingRelease` from `MQTTSessionState`).
    init(awaitingRelease: Set<UInt16> = []) {
        self.awaitingRelease = awaitingRelease
    }

    /// A PUBLISH arrived with `qos` and (QoS 1 and 2) `packetId`.
    mutating func publish(qos: MQTTQoS, packetId: UInt16?) -> Decision {
        switch qos {
        case .atMostOnce:
            return Decision(route: true, ack: nil)
        case .atLeastOnce:
            return Decision(route: true, ack: .pubAck(.init(packetId: packetId ?? 0)))
        case .exactlyOnce:
            let id = packetId ?? 0
            return Decision(route: awaitingRelease.insert(id).inserted, ack: .pubRec(.init(packetId: id)))
        }
    }

    /// PUBREL: the exchange for `id` is over; answer with PUBCOMP (also for an unknown id [MQTT-4.3.3-2]).
    mutating func pubRel(_ id: UInt16) -> MQTTPacket {
        awaitingRelease.remove(id)
        return .pubComp(.init(packetId: id))
    }
}
