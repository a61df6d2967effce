import Testing
@testable import KESCore

@Suite struct PolicySetTests {
    let admin = Identity("3ecfcdf38fcbe141ae26a1030f81e96b753365a46760ae6b578698a97c59fd22")
    let minio = Identity("02ef5321ca409dbc7b10e7e8ee44d1c3b91e4bf6e2198befdebee6312745267b")
    let stranger = Identity("ffff5321ca409dbc7b10e7e8ee44d1c3b91e4bf6e2198befdebee6312745267b")

    /// The MinIO policy example of docs/compatibility.md, "Policies".
    var minioPolicy: Policy {
        Policy(
            name: "minio",
            allow: [
                "/v1/key/create/minio-*", "/v1/key/generate/minio-*", "/v1/key/decrypt/minio-*", "/v1/key/list/*",
                "/v1/status",
            ],
            deny: ["/v1/key/*/minio-internal*"])
    }

    @Test func policyDecides() throws {
        let set = try PolicySet(admin: admin, policies: [(minioPolicy, [minio])])
        #expect(set.authorize(minio, path: "/v1/key/create/minio-tenant") == .allowed)
        #expect(set.authorize(minio, path: "/v1/key/generate/minio-tenant") == .allowed)
        #expect(set.authorize(minio, path: "/v1/key/list/*") == .allowed)
        #expect(set.authorize(minio, path: "/v1/status") == .allowed)
        #expect(set.authorize(minio, path: "/v1/key/delete/minio-tenant") == .denied)
        #expect(set.authorize(minio, path: "/v1/key/create/other") == .denied)
        #expect(set.authorize(minio, path: "/v1/metrics") == .denied)
        #expect(set.policyName(for: minio) == "minio")
    }

    @Test func denyWins() throws {
        let set = try PolicySet(admin: admin, policies: [(minioPolicy, [minio])])
        #expect(set.authorize(minio, path: "/v1/key/create/minio-internal") == .denied)
        #expect(set.authorize(minio, path: "/v1/key/generate/minio-internal-1") == .denied)

        let broad = Policy(name: "p", allow: ["/v1/key/*"], deny: ["/v1/key/delete/*"])
        #expect(broad.permits("/v1/key/create/x"))
        #expect(!broad.permits("/v1/key/delete/x"))
        #expect(!Policy(name: "empty", allow: [], deny: []).permits("/v1/status"))
    }

    @Test func adminBypassesPolicies() throws {
        let set = try PolicySet(admin: admin, policies: [(minioPolicy, [minio])])
        #expect(set.authorize(admin, path: "/v1/key/delete/minio-internal") == .allowed)
        #expect(set.authorize(admin, path: "/v1/anything") == .allowed)
        #expect(set.policyName(for: admin) == nil)
        #expect(set.isAdmin(admin))
    }

    @Test func unassignedAndEmptyIdentitiesAreDenied() throws {
        let set = try PolicySet(admin: admin, policies: [(minioPolicy, [minio, Identity("")])])
        #expect(set.authorize(stranger, path: "/v1/status") == .denied)
        #expect(set.authorize(Identity(""), path: "/v1/status") == .denied)
        #expect(set.policyName(for: stranger) == nil)
        #expect(set.assignments.count == 1)

        let noAdmin = try PolicySet(admin: Identity(""), policies: [])
        #expect(noAdmin.authorize(Identity(""), path: "/v1/status") == .denied)
        #expect(!noAdmin.isAdmin(Identity("")))
    }

    @Test func disabledAdminMatchesNoRealClient() throws {
        let set = try PolicySet(admin: Identity("disabled"), policies: [])
        #expect(set.authorize(admin, path: "/v1/status") == .denied)
    }

    @Test func identityInTwoPoliciesIsRejected() {
        let other = Policy(name: "other", allow: ["/v1/status"], deny: [])
        #expect(throws: PolicySetError.identityAlreadyAssigned(minio)) {
            try PolicySet(admin: admin, policies: [(minioPolicy, [minio]), (other, [minio])])
        }
        let error = PolicySetError.identityAlreadyAssigned(minio)
        #expect(error.description == "identity \"\(minio.rawValue)\" is already assigned")
    }

    @Test func adminInAPolicyIsRejected() {
        #expect(throws: PolicySetError.identityIsAdmin(admin)) {
            try PolicySet(admin: admin, policies: [(minioPolicy, [minio, admin])])
        }
        #expect(PolicySetError.identityIsAdmin(admin).description
            == "identity \"\(admin.rawValue)\" is already an admin identity")
    }

    @Test func emptyIdentitiesAreSkippedAndRepeatsInOnePolicyAreFine() throws {
        let other = Policy(name: "other", allow: ["/v1/status"], deny: [])
        let set = try PolicySet(
            admin: admin, policies: [(minioPolicy, [Identity(""), minio, minio]), (other, [Identity("")])])
        #expect(set.policyName(for: minio) == "minio")
        #expect(set.policies.count == 2)
    }

    @Test func duplicatePolicyNamesAreRejected() {
        #expect(throws: PolicySetError.duplicatePolicy("minio")) {
            try PolicySet(admin: admin, policies: [(minioPolicy, []), (minioPolicy, [])])
        }
    }
}
