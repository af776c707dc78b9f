import Testing

@testable import AMQPModel

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Log lines")
struct LoggerTests {
    @Test("one line: UTC timestamp with milliseconds, level, label, message with its line breaks as spaces")
    func format() {
        let line = Logger.line(.warning, label: "mqtt", "a\nb\r\nc", at: timespec(tv_sec: 1_764_806_400, tv_nsec: 5_000_000))
        #expect(String(decoding: line, as: UTF8.self) == "2025-12-04T00:00:00.005Z [warning] mqtt: a b  c\n")
        let late = Logger.line(.info, label: "x", "é", at: timespec(tv_sec: 1_764_892_799, tv_nsec: 999_999_999))
        #expect(String(decoding: late, as: UTF8.self) == "2025-12-04T23:59:59.999Z [info] x: é\n")
    }
}
