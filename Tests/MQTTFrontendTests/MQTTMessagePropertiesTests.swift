import AMQPModel
import AMQPValues
import Testing

@testable import MQTTFrontend

@Suite("MQTT 5 message properties across the AMQP bridge")
struct MQTTMessagePropertiesTests {
    private let alarm = ResourceAlarm()

    private func message(_ p: BasicProperties) -> Message {
        Message(exchange: "mqtt.default", routingKey: "t", properties: p, body: [], alarm: alarm)
    }

    @Test("without properties a publish uses the shared MQTT tables")
    func empty() {
        let p = MQTTMessageProperties().amqpProperties(qos: 1, retain: true)
        #expect(p == Message.mqttProperties(qos: 1, retain: true))
    }

    @Test("every property maps to its AMQP field and comes back the same")
    func roundTrip() {
        var m = MQTTMessageProperties()
        m.payloadFormatIndicator = 1
        m.messageExpiryInterval = 60
        m.contentType = "application/json"
        m.responseTopic = "replies/dev1"
        m.correlationData = Array("req-42".utf8)
        m.userProperties = [("region", "eu"), ("tag", "a"), ("tag", "b")]
        let p = m.amqpProperties(qos: 1, retain: false)
        #expect(p.contentType == "application/json")
        #expect(p.replyTo == "replies/dev1")
        #expect(p.correlationId == "req-42")
        #expect(p.expiration == "60000")
        #expect(p.deliveryMode == 2)
        #expect(p.headers?["x-mqtt-publish-qos"] == .int8(1))
        #expect(p.headers?["x-mqtt-payload-format"] == .uint8(1))
        #expect(p.headers?.entries.filter { $0.key == "tag" }.map(\.value) == [.longString([97]), .longString([98])])
        let now: Int64 = 1_000_000
        let back = MQTTMessageProperties(of: message(p), expiresAt: now + 59_500, now: now)
        #expect(back == m)
    }

    @Test("correlation data that is no valid short string travels in a header, byte for byte")
    func binaryCorrelation() {
        var m = MQTTMessageProperties()
        m.correlationData = [0xFF, 0x00, 0xFE]
        let p = m.amqpProperties(qos: 0, retain: false)
        #expect(p.correlationId == nil)
        #expect(p.headers?["x-correlation-id"] == .bytes([0xFF, 0x00, 0xFE]))
        #expect(MQTTMessageProperties(of: message(p), expiresAt: .max, now: 0).correlationData == [0xFF, 0x00, 0xFE])
        m.correlationData = Array(repeating: 0x61, count: 256)
        #expect(m.amqpProperties(qos: 0, retain: false).correlationId == nil)
    }

    @Test("user properties named like the bridge's own headers are not carried")
    func reservedKeys() {
        var m = MQTTMessageProperties()
        m.userProperties = [("x-mqtt-publish-qos", "2"), ("ok", "1")]
        let p = m.amqpProperties(qos: 0, retain: false)
        #expect(p.headers?["x-mqtt-publish-qos"] == .int8(0))
        #expect(MQTTMessageProperties(of: message(p), expiresAt: .max, now: 0).userProperties.map(\.key) == ["ok"])
    }

    @Test("an AMQP publisher's headers reach MQTT 5 subscribers as text; nested values do not")
    func fromAMQP() {
        var p = BasicProperties()
        p.headers = [
            "s": .longString(Array("v".utf8)), "n": .int32(-7), "b": .bool(true), "t": .table(["x": .int8(1)]),
            "x-mqtt-retain": .bool(true),
        ]
        p.expiration = "1500"
        let got = MQTTMessageProperties(of: message(p), expiresAt: 1500, now: 0)
        #expect(got.userProperties.map(\.key) == ["s", "n", "b"])
        #expect(got.userProperties.map(\.value) == ["v", "-7", "true"])
        #expect(got.messageExpiryInterval == 2)
        #expect(MQTTMessageProperties(of: message(p), expiresAt: 100, now: 5000).messageExpiryInterval == 0)
    }
}
