import Testing

@testable import Storage

@Suite("Directory names")
struct DirectoryNameTests {
    @Test("a name is the lowercase hex SHA-256 of its bytes (FIPS 180-2 test vectors)")
    func sha256Vectors() {
        #expect(DirectoryName.sha256([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            DirectoryName.sha256(Array("abc".utf8))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("queue q of vhost / keeps the directory existing data dirs have (vhost, 0, queue)")
    func queueDirectory() {
        #expect(
            DirectoryName.sha256([0x2F, 0x00, 0x71])
                == "4f70e5ae5dec15d4254eeaef3f8b34c77aa1c6af979daac0f6b3b6fd5b2955fe")
    }
}
