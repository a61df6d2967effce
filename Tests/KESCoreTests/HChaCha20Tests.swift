import Testing
@testable import KESCore

@Suite struct HChaCha20Tests {
    @Test func matchesTheDraftVector() {
        let key = (0..<32).map { UInt8($0) }
        let input = KeysFixtures.hex("000000090000004a0000000031415927")
        let subkey = HChaCha20.derive(key: key, input: input)
        #expect(Hex.encode(subkey) == "82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc")
    }

    @Test func dependsOnEveryInputByte() {
        let key = KeysFixtures.zeroKey
        let base = HChaCha20.derive(key: key, input: [UInt8](repeating: 0, count: 16))
        for index in 0..<16 {
            var input = [UInt8](repeating: 0, count: 16)
            input[index] = 1
            #expect(HChaCha20.derive(key: key, input: input) != base)
        }
    }
}
