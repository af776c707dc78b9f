import AMQPValues
import Testing

@Suite("Basic properties as a value")
struct BasicPropertiesTests {
    @Test("a copy is independent: setting a field on one leaves the other as it was")
    func copiesAreIndependent() {
        var a = BasicProperties()
        a.contentType = "text/plain"
        a.headers = ["k": .int8(1)]
        var b = a
        b.contentType = "application/json"
        b.headers?["k"] = .int8(2)
        b.priority = 5
        #expect(a.contentType == "text/plain")
        #expect(a.headers?["k"] == .int8(1))
        #expect(a.priority == nil)
        #expect(b.contentType == "application/json")
        #expect(b.headers?["k"] == .int8(2))
        #expect(b.priority == 5)
    }

    @Test("equality and hashing see the fields, not how they were set")
    func equalityByFields() {
        var cleared = BasicProperties()
        cleared.messageId = "m"
        cleared.messageId = nil
        #expect(cleared == BasicProperties())
        #expect(cleared.hashValue == BasicProperties().hashValue)
        var x = BasicProperties()
        x.deliveryMode = 2
        x.expiration = "100"
        var y = BasicProperties()
        y.expiration = "100"
        y.deliveryMode = 2
        #expect(x == y)
        #expect(x.hashValue == y.hashValue)
        y.timestamp = 1
        #expect(x != y)
        #expect(x.isPersistent && x.expirationMilliseconds == 100)
    }
}
