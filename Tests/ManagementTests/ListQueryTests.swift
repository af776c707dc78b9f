import HTTPCodec
import JSON
import Testing

@testable import Management

@Suite("List parameters: name, sort, columns, paging (RabbitMQ's)")
struct ListQueryTests {
    private func query(_ q: String) throws -> ListQuery {
        var request = HTTPRequest(
            method: "GET", target: "/api/queues", pathSegments: ["api", "queues"], query: [], headers: [], body: [],
            closesConnection: false)
        request.query = try HTTPTarget.split("/api/queues?" + q).query
        return try ListQuery(request)
    }

    private let items: [JSONValue] = [
        .table(["name": .string("orders"), "messages": .int(5), "stats": .table(["rate": .double(1.5)])]),
        .table(["name": .string("audit"), "messages": .int(50)]),
        .table(["name": .string("orders.dlq"), "messages": .int(0)]),
    ]

    private func names(_ v: JSONValue) -> [String] {
        guard case .array(let a) = v else { return [] }
        return a.compactMap { if case .table(let t) = $0, case .string(let n)? = t["name"] { n } else { nil } }
    }

    @Test("name filters by substring, or by regular expression with use_regex")
    func nameFilter() throws {
        #expect(names(try query("name=orders").apply(items)) == ["orders", "orders.dlq"])
        #expect(names(try query("name=%5Eorders%24&use_regex=true").apply(items)) == ["orders"])
        #expect(throws: ManagementError.self) { try self.query("name=(&use_regex=true").apply(self.items) }
    }

    @Test("sort by a column, numbers by value, reversed on request")
    func sorting() throws {
        #expect(names(try query("sort=messages").apply(items)) == ["orders.dlq", "orders", "audit"])
        #expect(names(try query("sort=name&sort_reverse=true").apply(items)) == ["orders.dlq", "orders", "audit"])
    }

    @Test("columns keep only the named (dotted) paths")
    func columns() throws {
        let picked = try query("columns=name,stats.rate").apply(items)
        guard case .array(let a) = picked else {
            Issue.record("a list")
            return
        }
        #expect(a[0] == .table(["name": .string("orders"), "stats": .table(["rate": .double(1.5)])]))
        #expect(a[1] == .table(["name": .string("audit")]))
    }

    @Test("page and page_size answer RabbitMQ's paged object; bad values are 400")
    func paging() throws {
        let page = try query("page=2&page_size=2&sort=name").apply(items)
        guard case .table(let t) = page else {
            Issue.record("a paged object")
            return
        }
        #expect(names(t["items"] ?? .null) == ["orders.dlq"])
        #expect(t["page_count"] == .int(2))
        #expect(t["total_count"] == .int(3))
        #expect(t["filtered_count"] == .int(3))
        #expect(throws: ManagementError.self) { try self.query("page=0") }
        #expect(throws: ManagementError.self) { try self.query("page=1&page_size=100000") }
    }
}
