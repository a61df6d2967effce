import Foundation
import KESBootstrap
import KESConfig
import KESFileStore
import KESTestSupport
import Testing

/// `tls.proxy` over direct connections, where a test writes the headers a proxy would send
/// (docs/compatibility.md, "TLS proxies"). `TLSProxyNginxTests` runs the same setup behind a
/// real nginx.
@Suite(.timeLimit(.minutes(2))) struct TLSProxyTests {
    typealias Contract = ErrorMessageContractTests

    /// The proxy's requests run as the client whose certificate it forwards: admin rights for
    /// the admin, the policy for a member, on every route.
    @Test func aProxySpeaksForTheClientItForwards() async throws {
        let setup = try await ProxiedServer()
        defer { setup.stop() }
        let proxy = try setup.direct(setup.proxy)
        let asAdmin = ProxiedServer.forwarding(setup.server.admin)
        let asMember = ProxiedServer.forwarding(setup.member)

        #expect(try await proxy.request(.PUT, "/v1/key/create/admin-key", headers: asAdmin).status == 200)
        let me = try await proxy.request(.GET, "/v1/identity/self/describe", headers: asAdmin)
        #expect(me.json["identity"] as? String == setup.server.admin.identity.rawValue)
        #expect(me.json["admin"] as? Bool == true)

        #expect(try await proxy.request(.PUT, "/v1/key/create/app-1", headers: asMember).status == 200)
        Contract.expect(
            try await proxy.request(.PUT, "/v1/key/create/other", headers: asMember), 403, "not authorized: insufficient permissions",
            "member outside its policy")
        // The key records who created it: the forwarded client, not the proxy.
        let described = try await setup.server.client().get("/v1/key/describe/app-1")
        #expect(described.json["created_by"] as? String == setup.member.identity.rawValue)
        #expect(try await proxy.request(.GET, "/version", headers: asMember).status == 200)
    }

    /// Only a listed proxy is believed: anyone else who sends the header still runs as itself,
    /// and its `X-Forwarded-For` does not reach the audit log.
    @Test func aClientThatIsNoProxyCannotForwardACertificate() async throws {
        let setup = try await ProxiedServer()
        defer { setup.stop() }
        let audit = try await AuditTail(setup.server)
        let member = try setup.direct(setup.member)
        let spoofed = ProxiedServer.forwarding(setup.server.admin, forwardedFor: "203.0.113.9")

        let me = try await member.request(.GET, "/v1/identity/self/describe", headers: spoofed)
        #expect(me.json["identity"] as? String == setup.member.identity.rawValue)
        Contract.expect(
            try await member.request(.PUT, "/v1/key/create/spoofed", headers: spoofed), 403, "not authorized: insufficient permissions",
            "spoofed admin certificate")
        let event = try await audit.request(for: "/v1/key/create/spoofed")
        #expect(event["identity"] as? String == setup.member.identity.rawValue)
        #expect(event["ip"] as? String == "127.0.0.1")
    }

    /// KES's answers when the proxy's header is missing, repeated or not a certificate.
    @Test func aProxyMustForwardExactlyOneCertificate() async throws {
        let setup = try await ProxiedServer()
        defer { setup.stop() }
        let proxy = try setup.direct(setup.proxy)
        let header = ProxiedServer.header
        let admin = ProxiedServer.escaped(setup.server.admin.certificatePEM)
        let key = ProxiedServer.escaped(setup.server.admin.privateKeyPEM)

        Contract.expect(try await proxy.get("/version"), 400, "no client certificate is present", "no header")
        Contract.expect(
            try await proxy.request(.GET, "/version", headers: [(header, admin), (header.lowercased(), admin)]), 400,
            "too many client certificates are present", "two headers")
        let broken: [(String, String)] = [
            ("empty", ""),
            ("not PEM", "garbage"),
            ("PEM, not URL-encoded, on one line", setup.server.admin.certificatePEM.replacingOccurrences(of: "\n", with: " ")),
            ("bad percent-encoding", "%zz" + admin),
            ("a private key", key),
            ("not X.509", ProxiedServer.escaped("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")),
        ]
        for (label, value) in broken {
            Contract.expect(try await proxy.request(.GET, "/version", headers: [(header, value)]), 400, "invalid client certificate", label)
        }
    }

    /// KES checks a proxy's request right after routing: an unknown path is still a 501, but a
    /// wrong method on a known one loses to the missing certificate.
    @Test func theProxyCheckComesAfterRoutingAndBeforeTheMethod() async throws {
        let setup = try await ProxiedServer()
        defer { setup.stop() }
        let proxy = try setup.direct(setup.proxy)
        Contract.expect(try await proxy.get("/v1/no-such-route"), 501, "not implemented", "unknown path")
        Contract.expect(try await proxy.delete("/version"), 400, "no client certificate is present", "wrong method")
        let forwarded = try await proxy.request(.DELETE, "/version", headers: ProxiedServer.forwarding(setup.member))
        Contract.expect(forwarded, 405, "method not allowed", "wrong method, forwarded")
    }

    /// `skip_auth` routes still need a certificate from the proxy (KES), but a client without
    /// one that connects directly is no proxy and reaches them as before.
    @Test func skipAuthRoutesStayOpenToDirectClients() async throws {
        let setup = try await ProxiedServer { config in
            config.api = ["/v1/ready": APIRouteConfig(skipAuth: true)]
        }
        defer { setup.stop() }
        #expect(try await setup.direct(nil).get("/v1/ready").status == 200)
        let proxy = try setup.direct(setup.proxy)
        Contract.expect(try await proxy.get("/v1/ready"), 400, "no client certificate is present", "proxy without header")
        let stranger = try TestIdentity.apiKey()
        #expect(try await proxy.request(.GET, "/v1/ready", headers: ProxiedServer.forwarding(stranger)).status == 200)
    }

    /// From the proxy, the first `X-Forwarded-For` entry is the client's address in the audit
    /// log; without a usable one, the proxy's own address is.
    @Test func theAuditLogShowsTheForwardedAddress() async throws {
        let setup = try await ProxiedServer()
        defer { setup.stop() }
        let audit = try await AuditTail(setup.server)
        let proxy = try setup.direct(setup.proxy)
        let cases: [(forwardedFor: String?, ip: String)] = [
            ("203.0.113.7", "203.0.113.7"),
            ("203.0.113.7:51234, 10.0.0.1", "203.0.113.7"),
            ("[2001:DB8::1]:443", "2001:db8::1"),
            ("unknown", "127.0.0.1"),
            ("not-an-address", "127.0.0.1"),
            (nil, "127.0.0.1"),
        ]
        for (index, item) in cases.enumerated() {
            let path = "/v1/key/describe/app-\(index)"
            _ = try await proxy.request(.GET, path, headers: ProxiedServer.forwarding(setup.member, forwardedFor: item.forwardedFor))
            let event = try await audit.request(for: path)
            #expect(event["ip"] as? String == item.ip, "X-Forwarded-For: \(item.forwardedFor ?? "absent")")
            #expect(event["identity"] as? String == setup.member.identity.rawValue)
        }
    }

    /// With `tls.auth: on` a forwarded certificate must chain to `tls.ca`, as a direct client's
    /// must at the handshake; KES answers 403 with an empty message otherwise.
    @Test func authOnVerifiesForwardedCertificates() async throws {
        let (setup, _) = try await ProxiedServer.verifying(try TestCA())
        defer { setup.stop() }
        let admin = setup.server.admin
        let proxy = try setup.direct(setup.proxy)
        let me = try await proxy.request(.GET, "/v1/identity/self/describe", headers: ProxiedServer.forwarding(admin))
        #expect(me.status == 200)
        #expect(me.json["identity"] as? String == admin.identity.rawValue)
        let untrusted = try await proxy.request(.GET, "/v1/identity/self/describe", headers: ProxiedServer.forwarding(setup.member))
        Contract.expect(untrusted, 403, "", "self-signed forwarded certificate")
        // The connection is still usable after the refusal.
        #expect(try await proxy.request(.PUT, "/v1/key/create/k", headers: ProxiedServer.forwarding(admin)).status == 200)
    }

    /// SIGHUP reloads `tls.proxy` with the rest of the config.
    @Test func aReloadTurnsTheProxyOn() async throws {
        let proxyIdentity = try TestIdentity.ecdsa()
        let server = try await TestServer()
        defer { server.stop() }
        let proxy = try server.client(proxyIdentity)
        let asAdmin = ProxiedServer.forwarding(server.admin)
        #expect(try await proxy.request(.PUT, "/v1/key/create/k", headers: asAdmin).status == 403)

        var tls = ServerTLSConfig(certPath: server.directory + "-tls/server.crt")
        tls.keyPath = server.directory + "-tls/server.key"
        tls.proxyIdentities = [proxyIdentity.identity.rawValue]
        tls.proxyCertHeader = ProxiedServer.header
        let config = ServerConfig(
            address: "127.0.0.1:0", adminIdentity: server.admin.identity.rawValue, tls: tls,
            keystore: KeyStoreSection(name: "fs", configuration: FSKeyStoreConfig(path: server.directory + "/keys")))
        try KESBootstrap.reload(server.server, from: config)
        #expect(try await proxy.request(.PUT, "/v1/key/create/k", headers: asAdmin).status == 200)
    }
}
