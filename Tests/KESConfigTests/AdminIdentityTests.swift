import KESConfig
import Testing

/// An admin identity that no certificate can have used to leave the server without an admin.
@Suite struct AdminIdentityTests {
    static let identity = "3ecfcdf38fcbe141ae26a1030f81e96b753365a46760ae6b578698a97c59fd22"

    static func config(admin: String) -> String {
        "admin:\n  identity: \(admin)\nkeystore:\n  fs:\n    path: /tmp/kes\n"
    }

    @Test(arguments: [identity, "disabled", "_"])
    func acceptedValues(admin: String) throws {
        #expect(try parse(Self.config(admin: admin)).adminIdentity == admin)
    }

    @Test(arguments: [
        "abc", String(identity.dropLast()), identity + "0", identity.uppercased(),
        String(identity.dropLast()) + "g", "Disabled", "root-id",
    ])
    func rejectedValuesNameTheField(admin: String) {
        #expect(errorMessage(Self.config(admin: admin))
            == "config: server.yaml: admin.identity: invalid identity \"\(admin)\": expected 64 lowercase hex digits, or 'disabled'")
    }

    @Test func checkedAfterExpansion() throws {
        let yaml = Self.config(admin: "${KES_ADMIN}")
        #expect(try parse(yaml, environment: ["KES_ADMIN": Self.identity]).adminIdentity == Self.identity)
        #expect(errorMessage(yaml, environment: ["KES_ADMIN": "not-an-identity"])
            == "config: server.yaml: admin.identity: invalid identity \"not-an-identity\": expected 64 lowercase hex digits, or 'disabled'")
    }
}
