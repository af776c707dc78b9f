import HTTPCodec
import JSON

/// RabbitMQ's list parameters: `name` (substring, or a regular expression with `use_regex=true`), `sort` and
/// `sort_reverse` (a dotted column path), `columns` (comma-separated dotted paths to keep) and `page` with
/// `page_size` (which turns the answer into RabbitMQ's paged object).
struct ListQuery {
    static let maxPageSize = 500

    let name: String?
    let useRegex: Bool
    let sort: String?
    let sortReverse: Bool
    let columns: [[String]]?
    let page: Int?
    let pageSize: Int

    init(_ request: HTTPRequest) throws(ManagementError) {
        name = request.queryValue("name").flatMap { $0.isEmpty ? nil : $0 }
        useRegex = request.queryValue("use_regex") == "true"
        sort = request.queryValue("sort").flatMap { $0.isEmpty ? nil : $0 }
        sortReverse = request.queryValue("sort_reverse") == "true"
        columns = request.queryValue("columns").map { list in
            list.split(separator: ",").map { $0.split(separator: ".").map(String.init) }
        }
        if let p = request.queryValue("page") {
            guard let n = Int(p), n >= 1 else { throw .badRequest("'page' must be a positive integer") }
            page = n
        } else {
            page = nil
        }
        if let s = request.queryValue("page_size") {
            guard let n = Int(s), n >= 1, n <= Self.maxPageSize else {
                throw .badRequest("'page_size' must be 1 to \(Self.maxPageSize)")
            }
            pageSize = n
        } else {
            pageSize = 100
        }
    }

    /// The answer for `items`: filtered, sorted, paged, columns picked.
    func apply(_ items: [JSONValue]) throws(ManagementError) -> JSONValue {
        var list = items
        if let name {
            if useRegex {
                let regex: Regex<AnyRegexOutput>
                do { regex = try Regex(name) } catch { throw .badRequest("'name' is not a valid regular expression") }
                list = list.filter { item in Self.string(item, ["name"]).map { $0.contains(regex) } ?? false }
            } else {
                list = list.filter { Self.string($0, ["name"])?.contains(name) ?? false }
            }
        }
        if let sort {
            let path = sort.split(separator: ".").map(String.init)
            list.sort { a, b in Self.less(Self.value(a, path), Self.value(b, path)) }
            if sortReverse { list.reverse() }
        }
        let filtered = list.count
        if let page {
            let start = (page - 1) * pageSize
            let pageItems = start < list.count ? Array(list[start..<min(list.count, start + pageSize)]) : []
            return .table([
                "items": .array(pageItems.map(pick)), "filtered_count": .int(Int64(filtered)),
                "item_count": .int(Int64(pageItems.count)), "page": .int(Int64(page)),
                "page_count": .int(Int64(max(1, (filtered + pageSize - 1) / pageSize))),
                "page_size": .int(Int64(pageSize)), "total_count": .int(Int64(items.count)),
            ])
        }
        return .array(list.map(pick))
    }

    /// Only the requested columns of `item` (all of it without `columns`).
    func pick(_ item: JSONValue) -> JSONValue {
        guard let columns, case .table = item else { return item }
        var out: JSONValue = .table([:])
        for path in columns {
            if let v = Self.value(item, path) { Self.set(&out, path[...], v) }
        }
        return out
    }

    private static func value(_ item: JSONValue, _ path: [String]) -> JSONValue? {
        var current = item
        for key in path {
            guard case .table(let t) = current, let next = t[key] else { return nil }
            current = next
        }
        return current
    }

    private static func set(_ target: inout JSONValue, _ path: ArraySlice<String>, _ value: JSONValue) {
        guard let key = path.first, case .table(var t) = target else { return }
        if path.count == 1 {
            t[key] = value
        } else {
            var child = t[key] ?? .table([:])
            set(&child, path.dropFirst(), value)
            t[key] = child
        }
        target = .table(t)
    }

    private static func string(_ item: JSONValue, _ path: [String]) -> String? {
        if case .string(let s)? = value(item, path) { return s }
        return nil
    }

    /// Missing values first, then numbers by value, then strings, then the rest.
    private static func less(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
        switch (a, b) {
        case (nil, nil): return false
        case (nil, _): return true
        case (_, nil): return false
        case (.int(let x)?, .int(let y)?): return x < y
        case (.double(let x)?, .double(let y)?): return x < y
        case (.int(let x)?, .double(let y)?): return Double(x) < y
        case (.double(let x)?, .int(let y)?): return x < Double(y)
        case (.string(let x)?, .string(let y)?): return x < y
        case (.bool(let x)?, .bool(let y)?): return !x && y
        default: return false
        }
    }
}
