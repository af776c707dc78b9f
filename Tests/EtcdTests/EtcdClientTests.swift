import Etcd
import EtcdTestSupport
import Foundation
import Testing

@Suite("etcd v3 client through the JSON gateway, against a real etcd", .serialized)
struct EtcdClientTests {
    @Test("put, get, delete; a missing key is nil")
    func keys() throws {
        let etcd = try EtcdServer()
        let c = EtcdClient(endpoints: [etcd.endpoint])
        #expect(try c.get("gw/nothing") == nil)
        try c.put("gw/a", Array("one".utf8))
        let kv = try #require(try c.get("gw/a"))
        #expect(kv.value == Array("one".utf8) && kv.createRevision > 0 && kv.lease == 0)
        #expect(try c.delete("gw/a"))
        #expect(try c.get("gw/a") == nil)
        #expect(try !c.delete("gw/a"))
    }

    @Test("one campaign wins; the loser learns the holder; the key goes with the winner's revoked lease")
    func campaign() throws {
        let etcd = try EtcdServer()
        let c = EtcdClient(endpoints: [etcd.endpoint])
        let l1 = try c.grantLease(ttl: 10)
        let l2 = try c.grantLease(ttl: 10)
        #expect(try c.campaign("gw/leader", Array("tcp://node1:5679".utf8), lease: l1) == (true, Array("tcp://node1:5679".utf8)))
        let lost = try c.campaign("gw/leader", Array("tcp://node2:5679".utf8), lease: l2)
        #expect(!lost.won && lost.holder == Array("tcp://node1:5679".utf8))
        #expect(try c.get("gw/leader")?.lease == l1)
        try c.revoke(lease: l1)
        #expect(try c.get("gw/leader") == nil)
        #expect(try c.campaign("gw/leader", Array("tcp://node2:5679".utf8), lease: l2).won)
    }

    @Test("a guarded put writes only while the guard key holds the expected value")
    func guardedPut() throws {
        let etcd = try EtcdServer()
        let c = EtcdClient(endpoints: [etcd.endpoint])
        try c.put("gw/leader", Array("tcp://node1:5679".utf8))
        #expect(try c.put("gw/isr", Array("a".utf8), ifKey: "gw/leader", equals: Array("tcp://node1:5679".utf8)))
        #expect(try c.get("gw/isr")?.value == Array("a".utf8))
        #expect(try !c.put("gw/isr", Array("b".utf8), ifKey: "gw/leader", equals: Array("tcp://node2:5679".utf8)))
        #expect(try !c.put("gw/isr", Array("c".utf8), ifKey: "gw/missing", equals: Array("x".utf8)))
        #expect(try c.get("gw/isr")?.value == Array("a".utf8))
    }

    @Test("a kept-alive lease keeps its key; one left alone expires with it")
    func leases() throws {
        let etcd = try EtcdServer()
        let c = EtcdClient(endpoints: [etcd.endpoint])
        let kept = try c.grantLease(ttl: 2)
        let dropped = try c.grantLease(ttl: 2)
        try c.put("gw/kept", [1], lease: kept)
        try c.put("gw/dropped", [2], lease: dropped)
        let deadline = Date().addingTimeInterval(15)
        while try c.get("gw/dropped") != nil {
            #expect(Date() < deadline, "the unrenewed lease never expired")
            #expect(try c.keepAlive(lease: kept) > 0)
            Thread.sleep(forTimeInterval: 0.3)
        }
        #expect(try c.get("gw/kept")?.value == [1])
        #expect(try c.keepAlive(lease: dropped) == 0, "an expired lease reports 0 seconds left")
    }

    @Test("an unreachable endpoint is skipped for the next one; none reachable is a clear error")
    func endpoints() throws {
        let etcd = try EtcdServer()
        let c = EtcdClient(endpoints: ["127.0.0.1:1", etcd.endpoint], timeout: .seconds(1))
        try c.put("gw/x", [7])
        #expect(try c.get("gw/x")?.value == [7])
        let dead = EtcdClient(endpoints: ["127.0.0.1:1"], timeout: .milliseconds(300))
        #expect(throws: EtcdError.self) { try dead.get("gw/x") }
        do {
            _ = try dead.get("gw/x")
        } catch {
            #expect(error.kind == .unreachable && error.message.contains("127.0.0.1:1"))
        }
    }
}
