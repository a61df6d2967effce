import KESConfig
import Testing

/// A port beyond 16 bits used to wrap: 99999 listened on 34463.
@Suite struct AddressTests {
    @Test(arguments: ["127.0.0.1:99999", "0.0.0.0:65536", ":100000", "[::1]:70000", "127.0.0.1:99999999999999999999999"])
    func outOfRangePortsNameTheAddress(address: String) {
        let port = address[address.index(after: address.lastIndex(of: ":")!)...]
        #expect(errorMessage(minimalConfig + "\naddress: \"\(address)\"\n")
            == "config: server.yaml: address: invalid address \"\(address)\": port \(port) is out of range (0-65535)")
    }

    @Test(arguments: ["127.0.0.1:-1", "127.0.0.1:+80", "127.0.0.1:", "localhost:http", "127.0.0.1"])
    func malformedAddressesNameTheAddress(address: String) throws {
        let message = try #require(errorMessage(minimalConfig + "\naddress: \"\(address)\"\n"))
        #expect(message.hasPrefix("config: server.yaml: address: invalid address \"\(address)\""), "\(message)")
    }

    @Test(arguments: ["127.0.0.1:0", "0.0.0.0:65535", ":7373", "[::1]:7373", "localhost:7373"])
    func validAddresses(address: String) throws {
        #expect(try parse(minimalConfig + "\naddress: \"\(address)\"\n").address == address)
    }

    @Test func checkedAfterExpansion() {
        #expect(errorMessage(minimalConfig + "\naddress: ${ADDR}\n", environment: ["ADDR": "127.0.0.1:99999"])
            == "config: server.yaml: address: invalid address \"127.0.0.1:99999\": port 99999 is out of range (0-65535)")
    }
}
