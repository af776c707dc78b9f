import AMQPValues
import Testing

@testable import AMQPModel

@Suite("MQTT topic filter matching")
struct MQTTTopicFilterTests {
    @Test("[MQTT-4.7.1-2][MQTT-4.7.2-1] matching filters against topic names", arguments: MQTTMatrix.rows)
    func matches(row: MQTTMatrix.Row) {
        #expect(
            MQTTTopicFilter.matches(filter: ByteString(row.filter), topic: ByteString(row.topic)) == row.matches,
            "filter \(row.filter) topic \(row.topic)")
    }
}
