import Glibc

/// Reads whole configuration and definitions files, reporting failures with the operating system's reason.
///
/// Plain `open`/`read` rather than Foundation so that the error says exactly what errno said
/// (`gateway.ini: cannot read: No such file or directory`).
enum FileReader {
    /// The file's bytes.
    static func bytes(atPath path: String) throws(ConfigError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(path) }
        defer { close(fd) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                contents.append(contentsOf: chunk[0..<count])
            } else if count == 0 {
                return contents
            } else if errno != EINTR {
                throw failure(path)
            }
        }
    }

    /// The file's text; it must be valid UTF-8. A leading byte-order mark is dropped.
    static func text(atPath path: String) throws(ConfigError) -> String {
        var data = try bytes(atPath: path)
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { data.removeFirst(3) }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ConfigError("\(path): cannot read: not valid UTF-8 text")
        }
        return text
    }

    private static func failure(_ path: String) -> ConfigError {
        ConfigError("\(path): cannot read: \(String(cString: strerror(errno)))")
    }
}
