import CLibFuzzer
import Glibc
import JSON

@testable import GatewayConfig

/// One fuzz input for the configuration parsers. The first byte picks what the rest is:
/// 0: an INI file for `INIParser`; 1: a JSON document for `JSONReader`; 2: a definitions file for
/// `DefinitionsParser`; 3: a configuration file loaded by `ConfigurationLoader` (INI parsing, value parsing and
/// validation), written to a scratch file since the loader reads its file itself.
///
/// What parses must survive a round trip: JSON written back by `JSONWriter`, and definitions exported by
/// `DefinitionsWriter` (what `gatewayctl export` writes), read back to equal values. Users are exported as the
/// broker holds them, with a password hash and no plain password, which is what the writer documents it keeps.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch data[0] % 4 {
    case 0: _ = try? INIParser.parse(String(decoding: bytes, as: UTF8.self), fileName: "fuzz.ini")
    case 1: checkJSON(bytes)
    case 2: checkDefinitions(bytes)
    default: loadConfiguration(bytes)
    }
    return 0
}

private func checkJSON(_ bytes: [UInt8]) {
    guard let value = try? JSONReader.parse(bytes) else { return }
    var writer = JSONWriter(pretty: false)
    writer.value(value)
    let again = try? JSONReader.parse(writer.bytes)
    precondition(again == value, "JSON written back reads as \(String(describing: again)), not \(value)")
}

private func checkDefinitions(_ bytes: [UInt8]) {
    guard var definitions = try? DefinitionsParser.parse(bytes, source: "fuzz.json") else { return }
    for index in definitions.users.indices {
        definitions.users[index].password = nil
        definitions.users[index].passwordHash = definitions.users[index].passwordHash ?? ""
    }
    let exported = DefinitionsWriter.json(definitions, productVersion: "fuzz")
    let again = try? DefinitionsParser.parse(exported, source: "export.json")
    precondition(again == definitions, "exported definitions read back differently")
}

private let scratchPath = "/tmp/gateway-fuzz-config-\(getpid()).ini"

private func loadConfiguration(_ bytes: [UInt8]) {
    let fd = open(scratchPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    precondition(fd >= 0, "cannot write \(scratchPath)")
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    precondition(written == bytes.count, "short write to \(scratchPath)")
    _ = try? ConfigurationLoader.load(arguments: ["--config", scratchPath], environment: [:])
}

exit(gateway_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv) { data, size in fuzzConfig(data!, size) })
