import Cluster
import Etcd
import EtcdTestSupport
import Foundation
import Synchronization
import Testing

/// Roles a node reported, in order.
final class RoleLog: Sendable {
    private let roles = Mutex<[LeaderElection.Role]>([])
    func record(_ role: LeaderElection.Role) { roles.withLock { $0.append(role) } }
    var last: LeaderElection.Role? { roles.withLock { $0.last } }
}

private func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        if Date() > deadline { return false }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return true
}

@Suite("Cluster nodes electing a leader through a real etcd", .serialized)
struct ClusterNodeTests {
    @Test("of three nodes exactly one leads, the others follow it; when it steps down another takes over")
    func electionAndFailover() throws {
        let etcd = try EtcdServer()
        let prefix = "gw-test-\(UUID().uuidString)"
        var nodes: [(ClusterNode, RoleLog)] = []
        for i in 0..<3 {
            let log = RoleLog()
            let node = ClusterNode(
                client: EtcdClient(endpoints: [etcd.endpoint]), prefix: prefix, advertisedURI: "tcp://n\(i):5679",
                ttlSeconds: 2, onRole: log.record)
            try node.start()
            nodes.append((node, log))
        }
        defer { for (n, _) in nodes { n.stop() } }
        let settled = waitUntil(seconds: 10) {
            nodes.filter { $0.1.last == .leader }.count == 1 && nodes.filter { if case .follower? = $0.1.last { true } else { false } }.count == 2
        }
        #expect(settled, "one leader and two followers within 10 s")
        guard let leaderIndex = nodes.firstIndex(where: { $0.1.last == .leader }) else { return }
        let leaderURI = "tcp://n\(leaderIndex):5679"
        for (i, (_, log)) in nodes.enumerated() where i != leaderIndex {
            #expect(log.last == .follower(leader: leaderURI))
        }
        #expect(try EtcdClient(endpoints: [etcd.endpoint]).get(prefix + "/leader")?.value == Array(leaderURI.utf8))
        #expect(nodes[leaderIndex].0.mayLead)

        nodes[leaderIndex].0.stop()
        #expect(nodes[leaderIndex].1.last == .candidate, "stepping down is reported")
        let others = nodes.indices.filter { $0 != leaderIndex }
        #expect(waitUntil(seconds: 10) { others.filter { nodes[$0].1.last == .leader }.count == 1 }, "a new leader")
    }

    @Test("a leader cut off from etcd stops leading within its lease time")
    func fencedWhenEtcdIsGone() throws {
        var etcd: EtcdServer? = try EtcdServer()
        let log = RoleLog()
        let node = ClusterNode(
            client: EtcdClient(endpoints: [etcd!.endpoint], timeout: .milliseconds(300)), prefix: "gw-fence",
            advertisedURI: "tcp://solo:5679", ttlSeconds: 2, onRole: log.record)
        try node.start()
        defer { node.stop() }
        #expect(waitUntil(seconds: 10) { log.last == .leader })
        etcd = nil
        #expect(waitUntil(seconds: 4) { log.last == .candidate && !node.mayLead }, "fenced within the 2 s lease")
    }

    @Test("only a node the in-sync replica set lists campaigns; the others follow, or wait while nobody leads")
    func onlyInSyncNodesCampaign() throws {
        let etcd = try EtcdServer()
        let client = EtcdClient(endpoints: [etcd.endpoint])
        let prefix = "gw-isr-\(UUID().uuidString)"
        try client.put(prefix + "/isr", Array("tcp://dead:5679,tcp://listed:5679".utf8))
        let unlisted = ClusterNode(
            client: EtcdClient(endpoints: [etcd.endpoint]), prefix: prefix, advertisedURI: "tcp://unlisted:5679",
            ttlSeconds: 2, onRole: { _ in })
        try unlisted.start()
        defer { unlisted.stop() }
        #expect(!waitUntil(seconds: 3) { unlisted.role == .leader }, "a node missing from the ISR never leads")
        #expect(try client.get(prefix + "/leader") == nil)

        let listedLog = RoleLog()
        let listed = ClusterNode(
            client: EtcdClient(endpoints: [etcd.endpoint]), prefix: prefix, advertisedURI: "tcp://listed:5679",
            ttlSeconds: 2, onRole: listedLog.record)
        try listed.start()
        defer { listed.stop() }
        #expect(waitUntil(seconds: 10) { listedLog.last == .leader }, "the listed node leads")
        #expect(waitUntil(seconds: 10) { unlisted.role == .follower(leader: "tcp://listed:5679") })
    }

    @Test("a restarted node does not lead on the leader key its previous run left under another lease")
    func staleOwnKeyIsNotLeadership() throws {
        let etcd = try EtcdServer()
        let client = EtcdClient(endpoints: [etcd.endpoint])
        let prefix = "gw-stale-\(UUID().uuidString)"
        let oldLease = try client.grantLease(ttl: 3)
        #expect(try client.campaign(prefix + "/leader", Array("tcp://me:5679".utf8), lease: oldLease).won)
        let log = RoleLog()
        let node = ClusterNode(
            client: EtcdClient(endpoints: [etcd.endpoint]), prefix: prefix, advertisedURI: "tcp://me:5679",
            ttlSeconds: 2, onRole: log.record)
        let started = Date()
        try node.start()
        defer { node.stop() }
        #expect(waitUntil(seconds: 10) { log.last == .leader })
        #expect(Date().timeIntervalSince(started) >= 2, "led only after the old lease (3 s) expired")
        #expect(try client.get(prefix + "/leader")?.lease != oldLease)
    }
}
