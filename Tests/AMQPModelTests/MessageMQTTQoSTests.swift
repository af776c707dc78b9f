import AMQPValues
import Testing

@testable import AMQPModel

@Suite("Message: the MQTT publish QoS")
struct MessageMQTTQoSTests {
    @Test("read from the properties the MQTT frontend builds, it is the QoS given to them (what the frontend passes)")
    func fromMQTTProperties() {
        for qos: UInt8 in 0...2 {
            for retain in [false, true] {
                let m = message("x", properties: Message.mqttProperties(qos: qos, retain: retain))
                #expect(m.mqttPublishQoS == qos, "qos \(qos) retain \(retain)")
            }
        }
    }

    @Test("an AMQP message has QoS 1 when persistent and 0 otherwise; a QoS given explicitly wins")
    func fromAMQPProperties() {
        var persistent = BasicProperties()
        persistent.deliveryMode = 2
        #expect(message("x", properties: persistent).mqttPublishQoS == 1)
        #expect(message("x").mqttPublishQoS == 0)
        let given = Message(
            exchange: "", routingKey: "k", properties: BasicProperties(), body: [], alarm: testAlarm, mqttPublishQoS: 2)
        #expect(given.mqttPublishQoS == 2)
    }
}
