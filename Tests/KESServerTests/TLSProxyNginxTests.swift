import Foundation
import KESTestSupport
import Testing

/// `tls.proxy` behind a real nginx (`backends/nginx-tls-proxy.sh`): nginx terminates the
/// clients' mTLS, connects to the server with its own certificate, and forwards each client's
/// certificate as `$ssl_client_escaped_cert` and its address as `X-Forwarded-For`.
@Suite(.enabled(if: NginxProxy.isInstalled, "nginx is not installed (apt-get install nginx)"), .timeLimit(.minutes(2)))
struct TLSProxyNginxTests {
    typealias Contract = ErrorMessageContractTests

    @Test func clientsBehindNginxAreAuthorizedAsThemselves() async throws {
        let setup = try await ProxiedServer()
        defer { setup.stop() }
        try await NginxProxy.with(upstreamPort: setup.server.port, identity: setup.proxy) { nginx in
            let admin = try TestClient(port: nginx.port, identity: setup.server.admin)
            #expect(try await admin.put("/v1/key/create/admin-key").status == 200)
            let me = try await admin.get("/v1/identity/self/describe")
            #expect(me.json["identity"] as? String == setup.server.admin.identity.rawValue)
            #expect(me.json["admin"] as? Bool == true)

            let member = try TestClient(port: nginx.port, identity: setup.member)
            #expect(try await member.put("/v1/key/create/app-1").status == 200)
            Contract.expect(try await member.get("/v1/key/describe/admin-key"), 403, "not authorized: insufficient permissions", "member")
            #expect(try await member.get("/v1/key/describe/app-1").json["created_by"] as? String == setup.member.identity.rawValue)
        }
    }

    /// nginx (`optional_no_ca`) lets a client without a certificate in and sends no header for
    /// it; a header such a client sends itself is replaced, so it cannot smuggle one in.
    @Test func aClientWithoutCertificateGetsNoIdentity() async throws {
        let setup = try await ProxiedServer()
        defer { setup.stop() }
        try await NginxProxy.with(upstreamPort: setup.server.port, identity: setup.proxy) { nginx in
            let anonymous = try TestClient(port: nginx.port, identity: nil)
            Contract.expect(try await anonymous.get("/version"), 400, "no client certificate is present", "no certificate")
            let smuggled = try await anonymous.request(.GET, "/v1/identity/self/describe", headers: ProxiedServer.forwarding(setup.server.admin))
            Contract.expect(smuggled, 400, "no client certificate is present", "header sent by the client")
        }
    }

    /// The audit log names the client nginx forwarded and its address (`X-Forwarded-For`), not
    /// nginx: nginx connects from 127.0.0.2, its clients from 127.0.0.1.
    @Test func theAuditLogShowsTheClientBehindNginx() async throws {
        let setup = try await ProxiedServer()
        defer { setup.stop() }
        let audit = try await AuditTail(setup.server)
        try await NginxProxy.with(upstreamPort: setup.server.port, identity: setup.proxy, upstreamBind: "127.0.0.2") { nginx in
            let member = try TestClient(port: nginx.port, identity: setup.member)
            #expect(try await member.put("/v1/key/create/app-audited").status == 200)
            let forwarded = try await audit.request(for: "/v1/key/create/app-audited")
            #expect(forwarded["identity"] as? String == setup.member.identity.rawValue)
            #expect(forwarded["ip"] as? String == "127.0.0.1")

            // A request nginx forwards without a certificate is refused as nginx's own.
            #expect(try await TestClient(port: nginx.port, identity: nil).get("/v1/key/describe/app-audited").status == 400)
            let refused = try await audit.request(for: "/v1/key/describe/app-audited")
            #expect(refused["identity"] as? String == setup.proxy.identity.rawValue)
            #expect(refused["ip"] as? String == "127.0.0.2")
        }
    }

    /// Verified end to end: nginx requires certificates from the CA, and the server (`tls.auth:
    /// on`) verifies both nginx's own and the forwarded ones against it.
    @Test func verifiedCertificatesAllTheWay() async throws {
        let (setup, caFile) = try await ProxiedServer.verifying(try TestCA())
        defer { setup.stop() }
        let admin = setup.server.admin
        try await NginxProxy.with(upstreamPort: setup.server.port, identity: setup.proxy, clientCA: caFile) { nginx in
            let client = try TestClient(port: nginx.port, identity: admin)
            let me = try await client.get("/v1/identity/self/describe")
            #expect(me.status == 200)
            #expect(me.json["identity"] as? String == admin.identity.rawValue)
            #expect(try await client.put("/v1/key/create/verified").status == 200)
            // nginx itself turns away a certificate from outside the CA.
            let outsider = try TestClient(port: nginx.port, identity: setup.member)
            #expect(try await outsider.get("/version").status == 400)
        }
    }
}
