import Cluster
import Testing

@Suite("Leader election state machine (etcd lease and campaign), on an injected clock")
struct LeaderElectionTests {
    @Test("lease, then campaign: winning makes the node leader, losing a follower of the holder")
    func campaign() {
        var e = LeaderElection(ttlSeconds: 5, advertisedURI: "tcp://a:5679")
        #expect(e.tick(now: 0) == [.grantLease(ttl: 5)])
        #expect(e.tick(now: 1).isEmpty, "one call at a time")
        e.leaseGranted(7, sentAt: 0)
        #expect(e.tick(now: 10) == [.campaign(lease: 7)])
        #expect(e.campaignAnswered(won: true, holder: "tcp://a:5679", sentAt: 10) == [.roleChanged(.leader)])
        #expect(e.mayLead(now: 20))

        var f = LeaderElection(ttlSeconds: 5, advertisedURI: "tcp://b:5679")
        _ = f.tick(now: 0)
        f.leaseGranted(8, sentAt: 0)
        _ = f.tick(now: 10)
        #expect(
            f.campaignAnswered(won: false, holder: "tcp://a:5679", sentAt: 10)
                == [.roleChanged(.follower(leader: "tcp://a:5679"))])
        #expect(!f.mayLead(now: 20))
        #expect(f.tick(now: 1_000).isEmpty, "the next campaign waits a third of the TTL")
        #expect(f.tick(now: 1_700) == [.keepAlive(lease: 8)])
    }

    @Test("a leader whose keepalives are not confirmed stops leading before its lease can have expired (fencing)")
    func fencing() {
        var e = LeaderElection(ttlSeconds: 5, advertisedURI: "tcp://a:5679")
        _ = e.tick(now: 0)
        e.leaseGranted(7, sentAt: 0)
        _ = e.tick(now: 0)
        _ = e.campaignAnswered(won: true, holder: "", sentAt: 0)
        #expect(e.tick(now: 1_700) == [.keepAlive(lease: 7)])
        e.callFailed(now: 1_800)
        #expect(e.mayLead(now: 3_000))
        #expect(!e.mayLead(now: 4_000), "trusted until ttl - margin after the last confirmed send: 5 s - 1 s")
        #expect(e.tick(now: 4_000) == [.roleChanged(.candidate), .grantLease(ttl: 5)])
    }

    @Test("a confirmed keepalive extends the lease from when it was sent; a lease etcd no longer knows ends the role")
    func keepAlive() {
        var e = LeaderElection(ttlSeconds: 6, advertisedURI: "tcp://a:5679")
        _ = e.tick(now: 0)
        e.leaseGranted(1, sentAt: 0)
        _ = e.tick(now: 0)
        _ = e.campaignAnswered(won: true, holder: "", sentAt: 0)
        #expect(e.tick(now: 2_000) == [.keepAlive(lease: 1)])
        #expect(e.keepAliveAnswered(remaining: 6, sentAt: 2_000).isEmpty)
        #expect(e.mayLead(now: 6_700), "2 s + 6 s - 1.2 s margin")
        #expect(!e.mayLead(now: 6_900))
        #expect(e.tick(now: 4_000) == [.keepAlive(lease: 1)])
        #expect(e.keepAliveAnswered(remaining: 0, sentAt: 4_000) == [.roleChanged(.candidate)])
        #expect(e.tick(now: 4_001) == [.grantLease(ttl: 6)])
    }

    @Test("a key found empty (its holder's lease just ended) means campaigning again at once; resigning ends the role")
    func emptyHolderAndResign() {
        var e = LeaderElection(ttlSeconds: 3, advertisedURI: "tcp://a:5679")
        _ = e.tick(now: 0)
        e.leaseGranted(2, sentAt: 0)
        _ = e.tick(now: 0)
        #expect(e.campaignAnswered(won: false, holder: "", sentAt: 0).isEmpty)
        #expect(e.tick(now: 1) == [.campaign(lease: 2)])
        #expect(e.campaignAnswered(won: false, holder: "tcp://a:5679", sentAt: 1) == [.roleChanged(.leader)])
        #expect(e.resign() == [.roleChanged(.candidate)])
        #expect(!e.mayLead(now: 2))
    }
}
