import Foundation

/// A file in a fresh temporary directory, removed when the test is done with it.
final class TemporaryFile {
    let directory: URL
    let path: String

    init(name: String = "gateway.ini", contents: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent(name).path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }
}
