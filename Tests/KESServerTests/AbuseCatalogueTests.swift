import Foundation
import KESConfig
import KESCore
import KESTestSupport
import Testing

/// Hostile requests, one table: each is sent as exact bytes over mTLS, its answer is compared
/// with one expected status and message, and then the server must still answer a plain
/// `GET /version` on a fresh connection.
///
/// A policy that allows only `/v1/key/generate/app-*` and `/v1/key/decrypt/app-*` is the target
/// of the bypass attempts: whatever the encoding, that identity must never reach another route
/// or another key, and what the pattern allows must keep working.
@Suite(.timeLimit(.minutes(1))) struct AbuseCatalogueTests {
    /// How long one hostile exchange may take; a server that never answers fails the case.
    static let caseDeadline = Duration.seconds(4)
    /// Enough to keep the cases quick on two cores without letting one slow case hold the rest.
    static let concurrentCases = 12

    @Test func hostileRequestsAreRefusedAndTheServerKeepsAnswering() async throws {
        let narrow = try TestIdentity.apiKey()
        let stranger = try TestIdentity.apiKey()
        let server = try await TestServer { config in
            config.policies = [
                PolicyConfig(
                    name: "narrow", allow: ["/v1/key/generate/app-*", "/v1/key/decrypt/app-*"], identities: [narrow.identity.rawValue])
            ]
        }
        defer { server.stop() }
        let admin = try server.client()
        for name in ["app-1", "other", "victim"] {
            #expect(try await admin.put("/v1/key/create/\(name)").status == 200)
        }
        let generated = try await admin.put("/v1/key/generate/app-1", "{}")
        let ciphertext = try #require(generated.json["ciphertext"] as? String)

        let cases = AbuseCatalogue.cases(ciphertext: ciphertext, admin: server.admin.identity.rawValue)
        #expect(cases.count >= 100)
        #expect(Set(cases.map(\.name)).count == cases.count, "case names must be unique")
        let identities: [AbuseCase.Caller: TestIdentity] = [.admin: server.admin, .narrow: narrow, .stranger: stranger]
        let port = server.port
        let started = ContinuousClock.now
        let results = await withTaskGroup(of: (AbuseCase, [String]).self) { group in
            var results: [(AbuseCase, [String])] = []
            var remaining = cases[...]
            func startNext() {
                guard let next = remaining.popFirst() else { return }
                let identity = identities[next.caller]!
                let admin = server.admin
                group.addTask { (next, await AbuseRunner.run(next, port: port, identity: identity, admin: admin)) }
            }
            for _ in 0..<Self.concurrentCases { startNext() }
            while let result = await group.next() {
                results.append(result)
                startNext()
            }
            return results
        }
        for (abuse, problems) in results.sorted(by: { $0.0.name < $1.0.name }) where !problems.isEmpty {
            Issue.record("[\(abuse.kind)] \(abuse.name): \(problems.joined(separator: "; "))")
        }
        // Alone it takes 3–7 s; the bound catches a case that hangs to its per-case deadline
        // over and over, with room for the rest of the suite sharing the cores.
        #expect(ContinuousClock.now - started < .seconds(60))

        // Nothing the refused requests aimed at changed.
        #expect(try await admin.get("/v1/key/describe/victim").status == 200)
        #expect(try await admin.get("/v1/key/describe/other").status == 200)
        for name in ["pwned", "app-pwned"] {
            #expect(try await admin.get("/v1/key/describe/\(name)").status == 404, "\(name)")
        }
        #expect(try await server.client(narrow).put("/v1/key/generate/app-1", "{}").status == 200)
    }

    /// The HEAD cases rely on this: a body sent with a HEAD answer is not skipped by its
    /// Content-Length, so it spoils the answer behind it.
    @Test func aBodyBehindAHEADAnswerSpoilsTheNextAnswer() throws {
        let bytes = Array("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".utf8)
        guard case .complete(let head, let consumed) = RawResponse.parse(bytes, toHEAD: true) else {
            Issue.record("the HEAD answer did not parse")
            return
        }
        #expect(head.status == 405 && head.body.isEmpty)
        guard case .malformed = RawResponse.parse(Array(bytes[consumed...]), toHEAD: false) else {
            Issue.record("the stray body went unnoticed")
            return
        }
    }
}

/// One hostile request and what the server must do with it.
struct AbuseCase: Sendable {
    enum Kind: String, Sendable {
        case path, encoding, policy, smuggling, body, method, header
    }

    enum Caller: Sendable, Hashable {
        /// The server's admin: policies do not apply, so only the HTTP layer and validation refuse.
        case admin
        /// Allowed only `/v1/key/generate/app-*` and `/v1/key/decrypt/app-*`.
        case narrow
        /// A valid certificate that no policy names.
        case stranger
    }

    enum Step: Sendable {
        case send([UInt8])
        case expect(Answer)
    }

    let kind: Kind
    let name: String
    let caller: Caller
    let steps: [Step]
}

/// One expected response. An error answer always names its exact `{"message":…}` text.
struct Answer: Sendable {
    var status: Int
    var message: String?
    /// The `Accept` header of a 405.
    var accept: String?
    /// `Connection: close` is sent, and the server then closes without sending more.
    var closes = false
    /// The answer to a HEAD request: no body bytes, whatever the headers announce.
    var toHEAD = false
    /// Text a successful body must contain.
    var contains: String?
}

/// Runs one case, then checks that the server still answers; returns what went wrong.
enum AbuseRunner {
    static func run(_ abuse: AbuseCase, port: Int, identity: TestIdentity, admin: TestIdentity) async -> [String] {
        var problems: [String] = []
        do {
            try await RawExchange.with(port: port, identity: identity, deadline: AbuseCatalogueTests.caseDeadline) { exchange in
                var index = 0
                for step in abuse.steps {
                    switch step {
                    case .send(let bytes):
                        await exchange.send(bytes)
                    case .expect(let answer):
                        index += 1
                        guard let response = await exchange.next(toHEAD: answer.toHEAD) else {
                            let why: String
                            if exchange.timedOut {
                                why = "no answer within \(AbuseCatalogueTests.caseDeadline)"
                            } else if exchange.closed {
                                why = "connection closed"
                            } else {
                                why = "not a response"
                            }
                            problems.append("answer \(index): \(why), expected \(answer.status); received \(preview(exchange.pending))")
                            return
                        }
                        problems += check(response, against: answer, index: index)
                        if answer.closes {
                            let rest = await exchange.remainderUntilClose()
                            if exchange.timedOut {
                                problems.append("answer \(index): the connection stayed open after Connection: close")
                            } else if !rest.isEmpty {
                                problems.append("answer \(index): bytes after the closing answer: \(preview(rest))")
                            }
                        }
                    }
                }
            }
        } catch {
            problems.append("exchange failed: \(error)")
        }
        if let trouble = await healthCheck(port: port, admin: admin) {
            problems.append("afterwards GET /version: \(trouble)")
        }
        return problems
    }

    private static func check(_ response: RawResponse, against answer: Answer, index: Int) -> [String] {
        var problems: [String] = []
        let label = "answer \(index)"
        if response.status != answer.status {
            problems.append("\(label): \(response.statusLine), expected \(answer.status); body \(preview(response.body))")
            return problems
        }
        if let message = answer.message {
            if response.message != message {
                problems.append("\(label): body \(preview(response.body)), expected message \"\(message)\"")
            }
            if response.header("content-type") != "application/json" {
                problems.append("\(label): content-type \(response.header("content-type") ?? "none")")
            }
        } else if answer.status >= 400 && !answer.toHEAD {
            problems.append("\(label): the table gives no message for a \(answer.status)")
        }
        if let accept = answer.accept, response.header("accept") != accept {
            problems.append("\(label): Accept \(response.header("accept") ?? "missing"), expected \(accept)")
        }
        if answer.closes && !response.closesConnection {
            problems.append("\(label): no Connection: close")
        }
        if let text = answer.contains, !String(decoding: response.body, as: UTF8.self).contains(text) {
            problems.append("\(label): body \(preview(response.body)) lacks \(text)")
        }
        return problems
    }

    /// A plain request on a fresh connection: nil when the server answers it normally.
    private static func healthCheck(port: Int, admin: TestIdentity) async -> String? {
        do {
            return try await RawExchange.with(port: port, identity: admin, deadline: .seconds(3)) { exchange in
                await exchange.send(Array("GET /version HTTP/1.1\r\nHost: kes\r\nConnection: close\r\n\r\n".utf8))
                guard let response = await exchange.next() else { return "no answer" }
                return response.status == 200 && response.message == nil ? nil : response.statusLine
            }
        } catch {
            return "\(error)"
        }
    }

    static func preview(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(160), as: UTF8.self)
        let escaped = text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "\\x\(String($0.value, radix: 16))" : String($0) }
        return "\"" + escaped.joined() + (bytes.count > 160 ? "…\" (\(bytes.count) bytes)" : "\"")
    }
}

extension Answer {
    static func ok(_ contains: String? = nil) -> Answer {
        Answer(status: 200, contains: contains)
    }

    static func fail(_ status: Int, _ message: String, accept: String? = nil, closes: Bool = false) -> Answer {
        Answer(status: status, message: message, accept: accept, closes: closes)
    }

    /// An answer to HEAD: the status, and no body.
    static func head(_ status: Int, accept: String? = nil) -> Answer {
        Answer(status: status, accept: accept, toHEAD: true)
    }
}

/// The exact texts of the answers the catalogue expects.
private enum Text {
    static let notAuthorized = WireError.notAuthorized.message
    static let notImplemented = WireError.notImplemented.message
    static let methodNotAllowed = WireError.methodNotAllowed.message
    static let keyNotFound = WireError.keyNotFound.message
    static let identityNotFound = WireError.identityNotFound.message
    static let notAuthentic = WireError.notAuthentic.message
    static let bodyTooLarge = WireError.bodyTooLarge.message
    static let nameIsEmpty = InvalidArgument.nameIsEmpty.message
    static let nameIsTooLong = InvalidArgument.nameIsTooLong.message
    static let invalidName = InvalidArgument.nameContainsInvalidCharacter.message
    static let patternIsTooLong = InvalidArgument.patternIsTooLong.message
    static let invalidPattern = InvalidArgument.patternContainsInvalidCharacter.message
    static let invalidURL = "invalid URL path"
    static let malformed = "malformed HTTP request"
    static let headersTooLarge = "request header fields too large"
    static let notAnObject = "invalid request body: not a well-formed JSON object"

    static func notBase64(_ field: String) -> String { "invalid request body: '\(field)' is not valid base64" }
    static func notAString(_ field: String) -> String { "invalid request body: '\(field)' must be a string" }
}

/// A well-formed HTTP/1.1 request with `Host`, and `Content-Length` when there is a body.
private func request(_ method: String, _ target: String, _ headers: [String] = [], body: String? = nil) -> [UInt8] {
    var head = "\(method) \(target) HTTP/1.1\r\nHost: kes\r\n"
    for header in headers { head += header + "\r\n" }
    if let body { head += "Content-Length: \(body.utf8.count)\r\n" }
    return Array((head + "\r\n" + (body ?? "")).utf8)
}

/// Bytes exactly as written: for requests that must stay malformed.
private func raw(_ text: String) -> [UInt8] { Array(text.utf8) }

/// A case that sends `bytes` at once and expects `answers` in order.
private func abuse(_ kind: AbuseCase.Kind, _ name: String, _ caller: AbuseCase.Caller, _ bytes: [UInt8], _ answers: Answer...) -> AbuseCase {
    AbuseCase(kind: kind, name: name, caller: caller, steps: [.send(bytes)] + answers.map { .expect($0) })
}

/// The same, as the admin: policies do not apply, only the HTTP layer and validation refuse.
private func abuse(_ kind: AbuseCase.Kind, _ name: String, _ bytes: [UInt8], _ answers: Answer...) -> AbuseCase {
    AbuseCase(kind: kind, name: name, caller: .admin, steps: [.send(bytes)] + answers.map { .expect($0) })
}

/// The catalogue. Statuses and texts come from the route table, the argument rules, the wire
/// error catalogue and the HTTP decoder.
enum AbuseCatalogue {
    static func cases(ciphertext: String, admin: String) -> [AbuseCase] {
        paths + encodings + policy(ciphertext: ciphertext, admin: admin) + smuggling + bodies + methods + headers
    }

    // MARK: - Path tricks

    static let paths: [AbuseCase] = [
        abuse(.path, "dot-dot inside a name", request("GET", "/v1/key/describe/../describe/app-1"), .fail(400, Text.invalidName)),
        abuse(.path, "dot-dot after a name", request("GET", "/v1/key/describe/app-1/.."), .fail(400, Text.invalidName)),
        abuse(.path, "dot-dot above the root", request("GET", "/../version"), .fail(501, Text.notImplemented)),
        abuse(.path, "double slash before the route", request("GET", "//version"), .fail(501, Text.notImplemented)),
        abuse(.path, "double slash inside the route", request("GET", "/v1/key//describe/app-1"), .fail(501, Text.notImplemented)),
        abuse(.path, "double slash before the name", request("GET", "/v1/key/describe//app-1"), .fail(400, Text.invalidName)),
        abuse(.path, "dot segment at the root", request("GET", "/./version"), .fail(501, Text.notImplemented)),
        abuse(.path, "dot segment inside the route", request("GET", "/v1/./status"), .fail(501, Text.notImplemented)),
        abuse(.path, "trailing slash on a fixed route", request("GET", "/version/"), .fail(501, Text.notImplemented)),
        abuse(.path, "trailing slash after a name", request("GET", "/v1/key/describe/app-1/"), .fail(400, Text.invalidName)),
        // docs/compatibility.md, "Routes": a prefix route without its slash is served with it.
        abuse(.path, "prefix route without its slash", request("GET", "/v1/key/list"), .ok(#""names":["#)),
        abuse(
            .path, "backslash separators", raw("GET \\v1\\key\\describe\\app-1 HTTP/1.1\r\nHost: kes\r\n\r\n"),
            .fail(400, Text.malformed, closes: true)),
        abuse(
            .path, "backslash in a name", raw("GET /v1/key/describe/app-1\\..\\other HTTP/1.1\r\nHost: kes\r\n\r\n"),
            .fail(400, Text.invalidName)),
        abuse(
            .path, "name of 81 bytes", request("GET", "/v1/key/describe/" + String(repeating: "a", count: 81)),
            .fail(400, Text.nameIsTooLong)),
        abuse(
            .path, "path of 8 KB", request("GET", "/v1/key/describe/" + String(repeating: "a", count: 8_000)),
            .fail(400, Text.nameIsTooLong)),
        abuse(
            .path, "path of 100 KB", request("GET", "/v1/key/describe/" + String(repeating: "a", count: 100_000)),
            .fail(431, Text.headersTooLarge, closes: true)),
        abuse(
            .path, "NUL byte in the path", raw("GET /v1/key/describe/app\u{0}-1 HTTP/1.1\r\nHost: kes\r\n\r\n"),
            .fail(400, Text.malformed, closes: true)),
        abuse(
            .path, "control byte in the path", raw("GET /v1/key/describe/app\u{1}-1 HTTP/1.1\r\nHost: kes\r\n\r\n"),
            .fail(400, Text.malformed, closes: true)),
        abuse(
            .path, "DEL byte in the path", raw("GET /v1/key/describe/app\u{7F}-1 HTTP/1.1\r\nHost: kes\r\n\r\n"),
            .fail(400, Text.malformed, closes: true)),
        abuse(
            .path, "tab in the path", raw("GET /v1/key/describe/app\t-1 HTTP/1.1\r\nHost: kes\r\n\r\n"),
            .fail(400, Text.malformed, closes: true)),
        abuse(
            .path, "raw space in the path", raw("GET /v1/key/describe/app -1 HTTP/1.1\r\nHost: kes\r\n\r\n"),
            .fail(400, Text.malformed, closes: true)),
        // A request target is ASCII: raw UTF-8 look-alikes never reach routing (their
        // percent-encoded forms, under "Encoded bypasses", reach name validation instead).
        abuse(.path, "Cyrillic a in a name", request("GET", "/v1/key/describe/\u{430}pp-1"), .fail(400, Text.malformed, closes: true)),
        abuse(.path, "Cyrillic e in the route", request("GET", "/v1/k\u{435}y/describe/app-1"), .fail(400, Text.malformed, closes: true)),
        abuse(
            .path, "fullwidth solidus in a name", request("GET", "/v1/key/describe/app-1\u{FF0F}other"),
            .fail(400, Text.malformed, closes: true)),
        abuse(
            .path, "non-breaking hyphen in a name", request("GET", "/v1/key/describe/app\u{2011}1"),
            .fail(400, Text.malformed, closes: true)),
        abuse(
            .path, "absolute-form URI to a name route", request("GET", "https://kes/v1/key/describe/app-1"),
            .fail(501, Text.notImplemented)),
        abuse(.path, "absolute-form URI to a fixed route", request("GET", "https://kes/version"), .fail(501, Text.notImplemented)),
        abuse(.path, "asterisk-form GET", request("GET", "*"), .fail(501, Text.notImplemented)),
        abuse(.path, "asterisk-form OPTIONS", request("OPTIONS", "*"), .fail(501, Text.notImplemented)),
        abuse(.path, "fragment on a fixed route", request("GET", "/version#top"), .ok(#""version":"#)),
        abuse(
            .path, "fragment hiding another route", request("GET", "/v1/key/describe/app-1#/../../delete/app-1"),
            .ok(#""name":"app-1""#)),
        abuse(.path, "query string on a fixed route", request("GET", "/version?x=1&y=../../v1/key/delete/victim"), .ok(#""version":"#)),
        abuse(.path, "query string naming another key", request("GET", "/v1/key/describe/app-1?name=other"), .ok(#""name":"app-1""#)),
        abuse(.path, "question mark cuts the name", request("GET", "/v1/key/describe/other?/../app-1"), .ok(#""name":"other""#)),
        abuse(.path, "empty name", request("GET", "/v1/key/describe/"), .fail(400, Text.nameIsEmpty)),
        abuse(.path, "empty name on delete", request("DELETE", "/v1/key/delete/"), .fail(400, Text.nameIsEmpty)),
        abuse(.path, "empty policy name", request("GET", "/v1/policy/describe/"), .fail(400, Text.nameIsEmpty)),
        abuse(.path, "slash in a new key's name", request("PUT", "/v1/key/create/a/b"), .fail(400, Text.invalidName)),
        abuse(.path, "asterisk in a new key's name", request("PUT", "/v1/key/create/a*b"), .fail(400, Text.invalidName)),
        abuse(.path, "leading dot in a new key's name", request("PUT", "/v1/key/create/.hidden"), .fail(400, Text.invalidName)),
        abuse(.path, "slash in a list pattern", request("GET", "/v1/key/list/a/b"), .fail(400, Text.invalidPattern)),
        abuse(
            .path, "list pattern of 81 bytes", request("GET", "/v1/key/list/" + String(repeating: "a", count: 81)),
            .fail(400, Text.patternIsTooLong)),
        // docs/compatibility.md, "Lists": a `*` that is not trailing is no wildcard and matches nothing.
        abuse(.path, "asterisk inside a list pattern", request("GET", "/v1/key/list/a*b"), .ok(#""names":[]"#)),
    ]

    // MARK: - Encoded bypasses

    static let encodings: [AbuseCase] = [
        abuse(.encoding, "%2F in a name", request("GET", "/v1/key/describe/app-1%2F..%2Fother"), .fail(400, Text.invalidName)),
        abuse(.encoding, "%2f in a name", request("GET", "/v1/key/describe/app-1%2f..%2fother"), .fail(400, Text.invalidName)),
        abuse(.encoding, "double-encoded slash", request("GET", "/v1/key/describe/app-1%252Fother"), .fail(400, Text.invalidName)),
        abuse(.encoding, "%00 after a name", request("GET", "/v1/key/describe/app-1%00"), .fail(400, Text.invalidName)),
        abuse(.encoding, "%2e%2e as the name", request("GET", "/v1/key/describe/%2e%2e"), .fail(400, Text.invalidName)),
        abuse(
            .encoding, "%2e%2e segments towards another route", request("GET", "/v1/key/describe/%2e%2e/%2e%2e/policy/list/"),
            .fail(400, Text.invalidName)),
        // The route is matched on the decoded path, as KES matches Go's decoded URL path.
        abuse(.encoding, "encoded letter in the route", request("GET", "/v1/%6Bey/describe/app-1"), .ok(#""name":"app-1""#)),
        abuse(.encoding, "encoded slash between route and name", request("GET", "/v1/key/describe%2Fapp-1"), .ok(#""name":"app-1""#)),
        abuse(
            .encoding, "overlong UTF-8 slash", request("GET", "/v1/key/describe/app-1%C0%AF..%C0%AFother"),
            .fail(400, Text.invalidURL)),
        abuse(
            .encoding, "raw overlong UTF-8 bytes",
            raw("GET /v1/key/describe/app-1") + [0xC0, 0xAF] + raw("other HTTP/1.1\r\nHost: kes\r\n\r\n"),
            .fail(400, Text.malformed, closes: true)),
        abuse(.encoding, "percent with non-hex digits", request("GET", "/v1/key/describe/app-%zz"), .fail(400, Text.invalidURL)),
        abuse(.encoding, "trailing percent", request("GET", "/v1/key/describe/app-1%"), .fail(400, Text.invalidURL)),
        abuse(.encoding, "percent with one digit", request("GET", "/v1/key/describe/app-1%2"), .fail(400, Text.invalidURL)),
        abuse(.encoding, "encoded zero-width space", request("GET", "/v1/key/describe/app-1%E2%80%8B"), .fail(400, Text.invalidName)),
        abuse(.encoding, "upper-case route", request("GET", "/V1/KEY/DESCRIBE/app-1"), .fail(501, Text.notImplemented)),
        abuse(.encoding, "mixed-case route", request("GET", "/v1/Key/describe/app-1"), .fail(501, Text.notImplemented)),
        abuse(.encoding, "%3F in a name", request("GET", "/v1/key/describe/app-1%3Fx"), .fail(400, Text.invalidName)),
        abuse(.encoding, "%23 in a name", request("GET", "/v1/key/describe/app-1%23x"), .fail(400, Text.invalidName)),
        abuse(.encoding, "%20 in a name", request("GET", "/v1/key/describe/app%201"), .fail(400, Text.invalidName)),
        abuse(.encoding, "encoded Cyrillic a in a name", request("GET", "/v1/key/describe/%D0%B0pp-1"), .fail(400, Text.invalidName)),
        abuse(.encoding, "encoded Cyrillic e in the route", request("GET", "/v1/k%D0%B5y/describe/app-1"), .fail(501, Text.notImplemented)),
        abuse(
            .encoding, "encoded fullwidth solidus in a name", request("GET", "/v1/key/describe/app-1%EF%BC%8Fother"),
            .fail(400, Text.invalidName)),
        abuse(.encoding, "encoded percent as the name", request("GET", "/v1/key/describe/%25"), .fail(400, Text.invalidName)),
    ]
}

extension AbuseCatalogue {
    // MARK: - The narrow policy

    /// The narrow identity may generate with and decrypt under `app-*` keys, nothing else.
    static func policy(ciphertext: String, admin: String) -> [AbuseCase] {
        let denied = Answer.fail(403, Text.notAuthorized)
        return [
            // What the pattern allows works, however it is spelt.
            abuse(.policy, "narrow: generate under app-1", .narrow, request("PUT", "/v1/key/generate/app-1", body: "{}"), .ok(#""ciphertext":"#)),
            abuse(
                .policy, "narrow: POST generate under app-1", .narrow, request("POST", "/v1/key/generate/app-1", body: "{}"),
                .ok(#""ciphertext":"#)),
            abuse(
                .policy, "narrow: decrypt under app-1", .narrow,
                request("PUT", "/v1/key/decrypt/app-1", body: #"{"ciphertext":"\#(ciphertext)"}"#), .ok(#""plaintext":"#)),
            abuse(
                .policy, "narrow: encoded hyphen in an allowed name", .narrow, request("PUT", "/v1/key/generate/app%2D1", body: "{}"),
                .ok(#""ciphertext":"#)),
            abuse(
                .policy, "narrow: query string naming a create", .narrow,
                request("PUT", "/v1/key/generate/app-1?x=/v1/key/create/pwned", body: "{}"), .ok(#""ciphertext":"#)),
            abuse(
                .policy, "narrow: method override header is ignored", .narrow,
                request("PUT", "/v1/key/generate/app-1", ["X-HTTP-Method-Override: DELETE"], body: "{}"), .ok(#""ciphertext":"#)),
            abuse(
                .policy, "narrow: allowed pattern, absent key", .narrow, request("PUT", "/v1/key/generate/app-", body: "{}"),
                .fail(404, Text.keyNotFound)),

            // Every other route and key is refused.
            abuse(.policy, "narrow: create", .narrow, request("PUT", "/v1/key/create/pwned"), denied),
            abuse(.policy, "narrow: create an app- key", .narrow, request("PUT", "/v1/key/create/app-pwned"), denied),
            abuse(
                .policy, "narrow: import an app- key", .narrow,
                request("PUT", "/v1/key/import/app-pwned", body: #"{"key":"uNta318uv2GvEmMs5U4HiIWE/GtrpADR0cYZg+nhrkI=","cipher":"AES256"}"#),
                denied),
            abuse(.policy, "narrow: delete another key", .narrow, request("DELETE", "/v1/key/delete/victim"), denied),
            abuse(.policy, "narrow: delete an app- key", .narrow, request("DELETE", "/v1/key/delete/app-1"), denied),
            abuse(.policy, "narrow: generate under another key", .narrow, request("PUT", "/v1/key/generate/other", body: "{}"), denied),
            abuse(.policy, "narrow: encrypt under app-1", .narrow, request("PUT", "/v1/key/encrypt/app-1", body: "{}"), denied),
            abuse(.policy, "narrow: hmac under app-1", .narrow, request("PUT", "/v1/key/hmac/app-1", body: "{}"), denied),
            abuse(.policy, "narrow: describe app-1", .narrow, request("GET", "/v1/key/describe/app-1"), denied),
            abuse(.policy, "narrow: list keys", .narrow, request("GET", "/v1/key/list/app-"), denied),
            abuse(.policy, "narrow: list policies", .narrow, request("GET", "/v1/policy/list/"), denied),
            abuse(.policy, "narrow: describe its policy", .narrow, request("GET", "/v1/policy/describe/narrow"), denied),
            abuse(.policy, "narrow: read its policy", .narrow, request("GET", "/v1/policy/read/narrow"), denied),
            abuse(.policy, "narrow: list identities", .narrow, request("GET", "/v1/identity/list/"), denied),
            abuse(.policy, "narrow: describe the admin", .narrow, request("GET", "/v1/identity/describe/\(admin)"), denied),
            abuse(.policy, "narrow: read a secret", .narrow, request("GET", "/v1/secret/read/app-1"), denied),
            abuse(.policy, "narrow: create a secret", .narrow, request("POST", "/v1/secret/create/pwned", body: #"{"bytes":"AAAA"}"#), denied),
            abuse(.policy, "narrow: list secrets", .narrow, request("GET", "/v1/secret/list/"), denied),
            abuse(.policy, "narrow: delete a secret", .narrow, request("DELETE", "/v1/secret/delete/victim"), denied),
            abuse(.policy, "narrow: status", .narrow, request("GET", "/v1/status"), denied),
            abuse(.policy, "narrow: audit log", .narrow, request("GET", "/v1/log/audit"), denied),
            abuse(.policy, "narrow: metrics", .narrow, request("GET", "/v1/metrics"), denied),

            // Encoding tricks from the allowed prefix towards other routes: names are checked
            // before the policy, so none of them gets as far as the pattern's trailing `*`.
            abuse(
                .policy, "narrow: dot-dot from generate to create", .narrow,
                request("PUT", "/v1/key/generate/app-1/../../create/pwned", body: "{}"), .fail(400, Text.invalidName)),
            abuse(
                .policy, "narrow: %2F from generate to create", .narrow,
                request("PUT", "/v1/key/generate/app-%2F..%2F..%2Fcreate%2Fpwned", body: "{}"), .fail(400, Text.invalidName)),
            abuse(
                .policy, "narrow: %2f from generate to delete", .narrow,
                request("PUT", "/v1/key/generate/app-%2f..%2f..%2fdelete%2fvictim", body: "{}"), .fail(400, Text.invalidName)),
            abuse(
                .policy, "narrow: double-encoded slash to create", .narrow,
                request("PUT", "/v1/key/generate/app-%252F..%252Fcreate%252Fpwned", body: "{}"), .fail(400, Text.invalidName)),
            abuse(
                .policy, "narrow: %00 then dot-dot to create", .narrow,
                request("PUT", "/v1/key/generate/app-1%00/../../create/pwned", body: "{}"), .fail(400, Text.invalidName)),
            abuse(
                .policy, "narrow: %2e%2e to create", .narrow,
                request("PUT", "/v1/key/generate/%2e%2e/%2e%2e/create/pwned", body: "{}"), .fail(400, Text.invalidName)),
            abuse(
                .policy, "narrow: overlong slash to create", .narrow,
                request("PUT", "/v1/key/generate/app-%C0%AF..%C0%AFcreate", body: "{}"), .fail(400, Text.invalidURL)),
            abuse(
                .policy, "narrow: invalid percent after the prefix", .narrow,
                request("PUT", "/v1/key/generate/app-%zz", body: "{}"), .fail(400, Text.invalidURL)),
            abuse(.policy, "narrow: encoded letter spells create", .narrow, request("PUT", "/v1/%6Bey/create/pwned"), denied),
            abuse(.policy, "narrow: encoded letter inside create", .narrow, request("PUT", "/v1/key/cre%61te/pwned"), denied),
            abuse(.policy, "narrow: encoded slash before the name", .narrow, request("PUT", "/v1/key/create%2Fpwned"), denied),
            abuse(.policy, "narrow: upper-case create", .narrow, request("PUT", "/V1/KEY/CREATE/pwned"), .fail(501, Text.notImplemented)),
            abuse(
                .policy, "narrow: mixed-case generate under another key", .narrow,
                request("PUT", "/v1/KEY/generate/other", body: "{}"), .fail(501, Text.notImplemented)),
            abuse(
                .policy, "narrow: dot-dot right after generate", .narrow,
                request("PUT", "/v1/key/generate/../create/pwned", body: "{}"), .fail(400, Text.invalidName)),
            abuse(
                .policy, "narrow: double slash before create", .narrow, request("PUT", "//v1/key/create/pwned"),
                .fail(501, Text.notImplemented)),
            abuse(
                .policy, "narrow: dot segment before create", .narrow, request("PUT", "/./v1/key/create/pwned"),
                .fail(501, Text.notImplemented)),
            abuse(
                .policy, "narrow: literal asterisk as a name", .narrow, request("PUT", "/v1/key/generate/app-*", body: "{}"),
                .fail(400, Text.invalidName)),
            abuse(
                .policy, "narrow: backslashes to create", .narrow,
                raw("PUT /v1/key/generate/app-1\\..\\..\\create\\pwned HTTP/1.1\r\nHost: kes\r\nContent-Length: 2\r\n\r\n{}"),
                .fail(400, Text.invalidName)),
            abuse(
                .policy, "narrow: absolute-form create", .narrow, request("PUT", "https://kes/v1/key/create/pwned"),
                .fail(501, Text.notImplemented)),
            abuse(
                .policy, "narrow: create with an allowed path as fragment", .narrow,
                request("PUT", "/v1/key/create/pwned#/v1/key/generate/app-1"), denied),
            abuse(
                .policy, "narrow: %23 then dot-dot to create", .narrow,
                request("PUT", "/v1/key/generate/app-1%23/../../create/pwned", body: "{}"), .fail(400, Text.invalidName)),
            abuse(
                .policy, "narrow: %3F then dot-dot to create", .narrow,
                request("PUT", "/v1/key/generate/app-1%3F/../../create/pwned", body: "{}"), .fail(400, Text.invalidName)),
            abuse(
                .policy, "narrow: from decrypt to a policy", .narrow,
                request("PUT", "/v1/key/decrypt/app-%2F..%2F..%2F..%2Fpolicy%2Fread%2Fnarrow", body: "{}"), .fail(400, Text.invalidName)),
            abuse(
                .policy, "narrow: from generate to the identities", .narrow,
                request("PUT", "/v1/key/generate/app-1%2F..%2F..%2F..%2Fidentity%2Flist%2F", body: "{}"), .fail(400, Text.invalidName)),
            abuse(
                .policy, "narrow: from generate to a secret", .narrow,
                request("PUT", "/v1/key/generate/app-1%2F..%2F..%2F..%2Fsecret%2Fread%2Fvictim", body: "{}"),
                .fail(400, Text.invalidName)),
            abuse(.policy, "narrow: encoded policy list", .narrow, request("GET", "/v1/policy%2Flist%2F"), denied),
            abuse(
                .policy, "narrow: dot-dot as an identity pattern", .narrow, request("GET", "/v1/identity/list/%2e%2e"),
                .fail(400, Text.invalidPattern)),
            abuse(
                .policy, "narrow: hyphen look-alike", .narrow, request("PUT", "/v1/key/generate/app\u{2010}1", body: "{}"),
                .fail(400, Text.malformed, closes: true)),
            abuse(
                .policy, "narrow: encoded hyphen look-alike", .narrow, request("PUT", "/v1/key/generate/app%E2%80%901", body: "{}"),
                .fail(400, Text.invalidName)),
            abuse(
                .policy, "narrow: fullwidth letter", .narrow, request("PUT", "/v1/key/generate/\u{FF41}pp-1", body: "{}"),
                .fail(400, Text.malformed, closes: true)),
            abuse(
                .policy, "narrow: encoded fullwidth letter", .narrow, request("PUT", "/v1/key/generate/%EF%BD%81pp-1", body: "{}"),
                .fail(400, Text.invalidName)),

            // A certificate that no policy names.
            abuse(.policy, "stranger: generate under app-1", .stranger, request("PUT", "/v1/key/generate/app-1", body: "{}"), denied),
            abuse(
                .policy, "stranger: describe itself", .stranger, request("GET", "/v1/identity/self/describe"),
                .fail(404, Text.identityNotFound)),
            abuse(.policy, "stranger: version", .stranger, request("GET", "/version"), .ok(#""version":"#)),
        ]
    }
}

extension AbuseCatalogue {
    // MARK: - Request smuggling and malformed framing

    static let smuggling: [AbuseCase] = [
        abuse(
            .smuggling, "Content-Length and Transfer-Encoding together",
            raw("PUT /v1/key/generate/app-1 HTTP/1.1\r\nHost: kes\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
            .fail(400, Text.malformed, closes: true)),
        abuse(
            .smuggling, "two different Content-Lengths",
            raw("PUT /v1/key/generate/app-1 HTTP/1.1\r\nHost: kes\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}"),
            .fail(400, Text.malformed, closes: true)),
        abuse(
            .smuggling, "two equal Content-Lengths",
            raw("PUT /v1/key/generate/app-1 HTTP/1.1\r\nHost: kes\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}"),
            .fail(400, Text.malformed, closes: true)),
        abuse(
            .smuggling, "Content-Length as a list",
            raw("PUT /v1/key/generate/app-1 HTTP/1.1\r\nHost: kes\r\nContent-Length: 2, 2\r\n\r\n{}"),
            .fail(400, Text.malformed, closes: true)),
        abuse(
            .smuggling, "chunk size that is not hex",
            raw("PUT /v1/key/generate/app-1 HTTP/1.1\r\nHost: kes\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"),
            .fail(400, Text.malformed, closes: true)),
        abuse(
            .smuggling, "chunk size that overflows",
            raw("PUT /v1/key/generate/app-1 HTTP/1.1\r\nHost: kes\r\nTransfer-Encoding: chunked\r\n\r\n1ffffffffffffffff\r\n{}\r\n0\r\n\r\n"),
            .fail(400, Text.malformed, closes: true)),
        abuse(
            .smuggling, "negative chunk size",
            raw("PUT /v1/key/generate/app-1 HTTP/1.1\r\nHost: kes\r\nTransfer-Encoding: chunked\r\n\r\n-2\r\n{}\r\n0\r\n\r\n"),
            .fail(400, Text.malformed, closes: true)),
        abuse(
            .smuggling, "chunk longer than its size",
            raw("PUT /v1/key/generate/app-1 HTTP/1.1\r\nHost: kes\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{}\r\n0\r\n\r\n"),
            .fail(400, Text.malformed, closes: true)),
        abuse(
            .smuggling, "Transfer-Encoding gzip",
            raw("PUT /v1/key/generate/app-1 HTTP/1.1\r\nHost: kes\r\nTransfer-Encoding: gzip\r\n\r\n{}"),
            .fail(400, Text.malformed, closes: true)),
        abuse(
            .smuggling, "Transfer-Encoding chunked twice",
            raw(
                "PUT /v1/key/generate/app-1 HTTP/1.1\r\nHost: kes\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "2\r\n{}\r\n0\r\n\r\n"),
            .fail(400, Text.malformed, closes: true)),
        abuse(
            .smuggling, "Transfer-Encoding in mixed case",
            raw("PUT /v1/key/generate/app-1 HTTP/1.1\r\nHost: kes\r\nTransfer-Encoding: ChUnKeD\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
            .ok(#""ciphertext":"#)),
        abuse(
            .smuggling, "obs-fold header line",
            raw("GET /version HTTP/1.1\r\nHost: kes\r\nX-Folded: a\r\n b\r\n\r\n"), .fail(400, Text.malformed, closes: true)),
        abuse(
            .smuggling, "obs-fold continuing Content-Length",
            raw("PUT /v1/key/generate/app-1 HTTP/1.1\r\nHost: kes\r\nContent-Length: 2\r\n 0\r\n\r\n{}"),
            .fail(400, Text.malformed, closes: true)),
        abuse(.smuggling, "bare LF line ends", raw("GET /version HTTP/1.1\nHost: kes\n\n"), .fail(400, Text.malformed, closes: true)),
        abuse(
            .smuggling, "header name with a space", raw("GET /version HTTP/1.1\r\nHost: kes\r\nBad Header: x\r\n\r\n"),
            .fail(400, Text.malformed, closes: true)),
        abuse(
            .smuggling, "space before a header colon",
            raw("PUT /v1/key/generate/app-1 HTTP/1.1\r\nHost: kes\r\nContent-Length : 2\r\n\r\n{}"),
            .fail(400, Text.malformed, closes: true)),
        abuse(
            .smuggling, "header line without a colon", raw("GET /version HTTP/1.1\r\nHost: kes\r\nNoColonHere\r\n\r\n"),
            .fail(400, Text.malformed, closes: true)),
        // RFC 9112, section 3, lets a recipient split the request line on runs of spaces; with
        // no proxy in front, the request is the one the client meant.
        abuse(.smuggling, "two spaces after the method", raw("GET  /version HTTP/1.1\r\nHost: kes\r\n\r\n"), .ok(#""version":"#)),
        abuse(.smuggling, "two spaces before the version", raw("GET /version  HTTP/1.1\r\nHost: kes\r\n\r\n"), .ok(#""version":"#)),
        abuse(
            .smuggling, "trailing space after the version", raw("GET /version HTTP/1.1 \r\nHost: kes\r\n\r\n"),
            .fail(400, Text.malformed, closes: true)),
        abuse(.smuggling, "HTTP/0.9 request", raw("GET /version\r\n\r\n"), .fail(400, Text.malformed, closes: true)),
        abuse(
            .smuggling, "HTTP/2 preface over TLS",
            raw("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") + [0, 0, 0, 4, 0, 0, 0, 0, 0], .fail(400, Text.malformed, closes: true)),
        abuse(
            .smuggling, "HTTP/2.0 in the request line", raw("GET /version HTTP/2.0\r\nHost: kes\r\n\r\n"),
            .fail(400, Text.malformed, closes: true)),
        abuse(
            .smuggling, "HTTP/1.2 in the request line", raw("GET /version HTTP/1.2\r\nHost: kes\r\n\r\n"),
            .fail(400, Text.malformed, closes: true)),
        // RFC 9112, section 3.2: a server must answer 400; Go's server, and so KES, does.
        abuse(
            .smuggling, "HTTP/1.1 without Host", raw("GET /version HTTP/1.1\r\n\r\n"),
            .fail(400, "missing required Host header", closes: true)),
        abuse(.smuggling, "HTTP/1.0 without Host", raw("GET /version HTTP/1.0\r\n\r\n"), .ok(#""version":"#)),
        abuse(
            .smuggling, "bytes behind a Content-Length body",
            raw("PUT /v1/key/generate/app-1 HTTP/1.1\r\nHost: kes\r\nContent-Length: 2\r\n\r\n{}XYZ\r\n\r\n"),
            .ok(#""ciphertext":"#), .fail(400, Text.malformed, closes: true)),
    ]

    // MARK: - Oversized and malformed bodies

    static let bodies: [AbuseCase] = [
        // A body with no length shows its size only as it arrives (docs/compatibility.md: a
        // larger body gets 400 `http: request body too large` and the connection closes).
        abuse(
            .body, "chunked body over 1 MiB",
            raw("PUT /v1/key/encrypt/app-1 HTTP/1.1\r\nHost: kes\r\nTransfer-Encoding: chunked\r\n\r\n100001\r\n")
                + [UInt8](repeating: UInt8(ascii: "A"), count: (1 << 20) + 1) + raw("\r\n0\r\n\r\n"),
            .fail(400, Text.bodyTooLarge, closes: true)),
        // An announced length over the limit is refused from the head alone: the body is never
        // sent here, so only an immediate answer passes.
        // KES answers 400 here (Go's MaxBytesReader error), not 413.
        abuse(
            .body, "Content-Length of 2 MiB, answered before the body",
            raw("PUT /v1/key/encrypt/app-1 HTTP/1.1\r\nHost: kes\r\nContent-Length: 2097152\r\n\r\n"),
            .fail(400, Text.bodyTooLarge, closes: true)),
        abuse(
            .body, "Content-Length one over the limit, answered before the body",
            raw("PUT /v1/key/generate/app-1 HTTP/1.1\r\nHost: kes\r\nContent-Length: 1048577\r\n\r\n"),
            .fail(400, Text.bodyTooLarge, closes: true)),
        abuse(
            .body, "Content-Length on a route that takes no body",
            raw("DELETE /v1/key/delete/with-body HTTP/1.1\r\nHost: kes\r\nContent-Length: 2\r\n\r\n"),
            .fail(400, Text.bodyTooLarge, closes: true)),
        // Exactly at the limit is still served; blank space reads as an empty object.
        abuse(
            .body, "body of exactly 1 MiB",
            raw("PUT /v1/key/generate/app-1 HTTP/1.1\r\nHost: kes\r\nContent-Length: 1048576\r\n\r\n")
                + [UInt8](repeating: UInt8(ascii: " "), count: 1 << 20),
            .ok(#""ciphertext":"#)),
        abuse(
            .body, "negative Content-Length", raw("PUT /v1/key/generate/app-1 HTTP/1.1\r\nHost: kes\r\nContent-Length: -2\r\n\r\n{}"),
            .fail(400, Text.malformed, closes: true)),
        abuse(
            .body, "non-numeric Content-Length",
            raw("PUT /v1/key/generate/app-1 HTTP/1.1\r\nHost: kes\r\nContent-Length: two\r\n\r\n{}"),
            .fail(400, Text.malformed, closes: true)),
        abuse(
            .body, "Content-Length beyond 64 bits",
            raw("PUT /v1/key/generate/app-1 HTTP/1.1\r\nHost: kes\r\nContent-Length: 99999999999999999999999\r\n\r\n{}"),
            .fail(400, Text.malformed, closes: true)),
        abuse(.body, "JSON array", request("PUT", "/v1/key/decrypt/app-1", body: "[1,2]"), .fail(400, Text.notAnObject)),
        abuse(.body, "JSON string", request("PUT", "/v1/key/encrypt/app-1", body: #""plaintext""#), .fail(400, Text.notAnObject)),
        abuse(.body, "JSON number", request("PUT", "/v1/key/generate/app-1", body: "42"), .fail(400, Text.notAnObject)),
        abuse(.body, "JSON null", request("PUT", "/v1/key/generate/app-1", body: "null"), .fail(400, Text.notAnObject)),
        abuse(
            .body, "nesting 100,000 deep",
            request("PUT", "/v1/key/generate/app-1", body: #"{"x":"# + String(repeating: "[", count: 100_000) + "}"),
            .fail(400, Text.notAnObject)),
        // Go's encoding/json keeps the last of duplicate fields; so does the server.
        abuse(
            .body, "duplicate field, the last one valid",
            request("PUT", "/v1/key/generate/app-1", body: #"{"context":"!!","context":"Y3R4"}"#), .ok(#""ciphertext":"#)),
        abuse(
            .body, "duplicate field, the last one invalid",
            request("PUT", "/v1/key/generate/app-1", body: #"{"context":"Y3R4","context":"!!"}"#), .fail(400, Text.notBase64("context"))),
        abuse(
            .body, "invalid UTF-8 inside a string",
            raw("PUT /v1/key/encrypt/app-1 HTTP/1.1\r\nHost: kes\r\nContent-Length: 18\r\n\r\n{\"plaintext\":\"") + [0xFF, 0xFE]
                + raw("\"}"),
            .fail(400, Text.notBase64("plaintext"))),
        abuse(
            .body, "invalid UTF-8 outside a string",
            raw("PUT /v1/key/encrypt/app-1 HTTP/1.1\r\nHost: kes\r\nContent-Length: 3\r\n\r\n{") + [0xFF] + raw("}"),
            .fail(400, Text.notAnObject)),
        abuse(
            .body, "huge number where a string belongs",
            request("PUT", "/v1/key/generate/app-1", body: #"{"context":1e999999999}"#), .fail(400, Text.notAString("context"))),
        abuse(
            .body, "100,000-digit number in an unknown field",
            request("PUT", "/v1/key/generate/app-1", body: #"{"n":"# + String(repeating: "9", count: 100_000) + "}"),
            .ok(#""ciphertext":"#)),
        abuse(
            .body, "plaintext that is not base64",
            request("PUT", "/v1/key/encrypt/app-1", body: #"{"plaintext":"not base64!"}"#), .fail(400, Text.notBase64("plaintext"))),
        abuse(
            .body, "URL-safe base64", request("PUT", "/v1/key/encrypt/app-1", body: #"{"plaintext":"-_-_"}"#),
            .fail(400, Text.notBase64("plaintext"))),
        abuse(
            .body, "base64 without padding", request("PUT", "/v1/key/encrypt/app-1", body: #"{"plaintext":"YQ"}"#),
            .fail(400, Text.notBase64("plaintext"))),
        abuse(
            .body, "number where a string belongs", request("PUT", "/v1/key/decrypt/app-1", body: #"{"ciphertext":42}"#),
            .fail(400, Text.notAString("ciphertext"))),
        abuse(
            .body, "array where a string belongs", request("PUT", "/v1/key/encrypt/app-1", body: #"{"plaintext":["YQ=="]}"#),
            .fail(400, Text.notAString("plaintext"))),
        abuse(
            .body, "object where a string belongs", request("PUT", "/v1/key/generate/app-1", body: #"{"context":{}}"#),
            .fail(400, Text.notAString("context"))),
        abuse(
            .body, "boolean where a string belongs", request("PUT", "/v1/key/hmac/app-1", body: #"{"message":true}"#),
            .fail(400, Text.notAString("message"))),
        abuse(.body, "garbage after the object", request("PUT", "/v1/key/generate/app-1", body: "{} x"), .fail(400, Text.notAnObject)),
        abuse(
            .body, "byte order mark before the object",
            raw("PUT /v1/key/generate/app-1 HTTP/1.1\r\nHost: kes\r\nContent-Length: 5\r\n\r\n") + [0xEF, 0xBB, 0xBF] + raw("{}"),
            .fail(400, Text.notAnObject)),
        abuse(
            .body, "unknown import cipher",
            request("PUT", "/v1/key/import/imported", body: #"{"key":"uNta318uv2GvEmMs5U4HiIWE/GtrpADR0cYZg+nhrkI=","cipher":"DES"}"#),
            .fail(400, "kes: invalid key algorithm 'DES'")),
        abuse(
            .body, "imported key of 31 bytes",
            request("PUT", "/v1/key/import/imported", body: #"{"key":"uNta318uv2GvEmMs5U4HiIWE/GtrpADR0cYZg+nhrg==","cipher":"AES256"}"#),
            .fail(400, "invalid key size")),
        abuse(
            .body, "ciphertext of random bytes", request("PUT", "/v1/key/decrypt/app-1", body: #"{"ciphertext":"AAAAAAAAAAAAAAAA"}"#),
            .fail(400, Text.notAuthentic)),
        abuse(
            .body, "secret of an unknown type",
            request("POST", "/v1/secret/create/typed", body: #"{"bytes":"AAAA","type":"x509"}"#), .fail(400, "unsupported secret type 'x509'")),
    ]
}

extension AbuseCatalogue {
    // MARK: - Methods

    static var methods: [AbuseCase] {
        let wrong: [(method: String, path: String, accept: String)] = [
            ("GET", "/v1/key/create/m", "PUT, POST"), ("DELETE", "/v1/key/import/m", "PUT, POST"),
            ("PUT", "/v1/key/describe/app-1", "GET"), ("GET", "/v1/key/delete/victim", "DELETE"),
            ("POST", "/v1/key/delete/victim", "DELETE"), ("DELETE", "/v1/key/list/", "GET"),
            ("GET", "/v1/key/generate/app-1", "PUT, POST"), ("DELETE", "/v1/key/encrypt/app-1", "PUT, POST"),
            ("GET", "/v1/key/decrypt/app-1", "PUT, POST"), ("PATCH", "/v1/key/hmac/app-1", "PUT, POST"),
            ("POST", "/version", "GET"), ("PUT", "/v1/ready", "GET"), ("DELETE", "/v1/status", "GET"),
            ("POST", "/v1/metrics", "GET"), ("PUT", "/v1/api", "GET"), ("POST", "/v1/policy/describe/narrow", "GET"),
            ("DELETE", "/v1/policy/read/narrow", "GET"), ("PUT", "/v1/policy/list/", "GET"),
            ("POST", "/v1/identity/describe/x", "GET"), ("DELETE", "/v1/identity/self/describe", "GET"),
            ("PUT", "/v1/identity/list/", "GET"), ("POST", "/v1/log/error", "GET"), ("PUT", "/v1/log/audit", "GET"),
            ("GET", "/v1/secret/create/m", "POST, PUT"), ("PUT", "/v1/secret/describe/m", "GET"),
            ("POST", "/v1/secret/read/m", "GET"), ("GET", "/v1/secret/delete/victim", "DELETE"), ("DELETE", "/v1/secret/list/", "GET"),
        ]
        let wrongMethods = wrong.map { method, path, accept in
            abuse(.method, "\(method) \(path)", request(method, path), .fail(405, Text.methodNotAllowed, accept: accept))
        }
        // The HEAD answer is followed by a pipelined GET: a body sent with the HEAD answer would
        // sit in front of the GET's answer, and the GET's answer would not parse.
        let heads: [(path: String, answer: Answer)] = [
            ("/version", .head(405, accept: "GET")), ("/v1/status", .head(405, accept: "GET")),
            ("/v1/key/describe/app-1", .head(405, accept: "GET")), ("/v1/key/generate/app-1", .head(405, accept: "PUT, POST")),
            ("/v1/log/audit", .head(405, accept: "GET")), ("/v1/no-such-route", .head(501)),
        ]
        let headCases = heads.map { path, answer in
            abuse(.method, "HEAD \(path)", request("HEAD", path) + request("GET", "/version"), answer, .ok(#""version":"#))
        }
        return wrongMethods + headCases + [
            abuse(.method, "OPTIONS on a fixed route", request("OPTIONS", "/version"), .fail(405, Text.methodNotAllowed, accept: "GET")),
            abuse(
                .method, "OPTIONS on a key route", request("OPTIONS", "/v1/key/create/m"),
                .fail(405, Text.methodNotAllowed, accept: "PUT, POST")),
            abuse(.method, "TRACE on a fixed route", request("TRACE", "/version"), .fail(405, Text.methodNotAllowed, accept: "GET")),
            abuse(.method, "TRACE on the root", request("TRACE", "/"), .fail(501, Text.notImplemented)),
            abuse(.method, "CONNECT to a host", request("CONNECT", "kes:443"), .fail(501, Text.notImplemented)),
            abuse(.method, "CONNECT to a route", request("CONNECT", "/version"), .fail(405, Text.methodNotAllowed, accept: "GET")),
            abuse(.method, "PROPFIND", request("PROPFIND", "/version"), .fail(405, Text.methodNotAllowed, accept: "GET")),
            abuse(.method, "lower-case method", request("get", "/version"), .fail(400, Text.malformed, closes: true)),
            abuse(.method, "capitalized method", request("Get", "/version"), .fail(400, Text.malformed, closes: true)),
            abuse(.method, "unknown method", request("FROB", "/version"), .fail(400, Text.malformed, closes: true)),
            abuse(
                .method, "method of 1,000 letters", request(String(repeating: "G", count: 1_000), "/version"),
                .fail(400, Text.malformed, closes: true)),
        ]
    }

    // MARK: - Header abuse

    static var headers: [AbuseCase] {
        let thousand = (0..<1_000).map { "X-Abuse-\($0): value-\($0)" }
        let tenThousand = (0..<10_000).map { "X-Abuse-\($0): value-\($0)" }
        let expectHead = "Host: kes\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"
        return [
            abuse(.header, "1,000 headers", request("GET", "/version", thousand), .ok(#""version":"#)),
            abuse(.header, "10,000 headers", request("GET", "/version", tenThousand), .fail(431, Text.headersTooLarge, closes: true)),
            abuse(
                .header, "one header of 100 KB", request("GET", "/version", ["X-Big: " + String(repeating: "a", count: 100_000)]),
                .fail(431, Text.headersTooLarge, closes: true)),
            abuse(
                .header, "NUL in a header value", raw("GET /version HTTP/1.1\r\nHost: kes\r\nX-Nul: a\u{0}b\r\n\r\n"),
                .fail(400, Text.malformed, closes: true)),
            abuse(
                .header, "bare CR in a header value", raw("GET /version HTTP/1.1\r\nHost: kes\r\nX-CR: a\rb\r\n\r\n"),
                .fail(400, Text.malformed, closes: true)),
            abuse(
                .header, "h2c upgrade request",
                request(
                    "GET", "/version",
                    [
                        "Connection: Upgrade, HTTP2-Settings", "Upgrade: h2c",
                        "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA",
                    ]),
                .ok(#""version":"#)),
            abuse(
                .header, "websocket upgrade request",
                request(
                    "GET", "/version",
                    [
                        "Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13",
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                    ]),
                .ok(#""version":"#)),
            // 100-continue: permission first for a request the server will take, the verdict at
            // once (and no 100) for one it refuses from the head alone.
            AbuseCase(
                kind: .header, name: "Expect: 100-continue on an acceptable request", caller: .admin,
                steps: [
                    .send(raw("PUT /v1/key/generate/app-1 HTTP/1.1\r\n" + expectHead)), .expect(Answer(status: 100)),
                    .send(raw("{}")), .expect(.ok(#""ciphertext":"#)),
                ]),
            abuse(
                .header, "Expect: 100-continue with the wrong method", raw("PUT /v1/key/describe/app-1 HTTP/1.1\r\n" + expectHead),
                .fail(405, Text.methodNotAllowed, accept: "GET")),
            abuse(
                .header, "Expect: 100-continue on an unknown route", raw("PUT /v1/key/frobnicate/app-1 HTTP/1.1\r\n" + expectHead),
                .fail(501, Text.notImplemented)),
            abuse(
                .header, "Expect: 100-continue over the body limit",
                raw("PUT /v1/key/generate/app-1 HTTP/1.1\r\nHost: kes\r\nExpect: 100-continue\r\nContent-Length: 2097152\r\n\r\n"),
                .fail(400, Text.bodyTooLarge, closes: true)),
            // HTTP/1.0 has no 100 Continue; such a client sends its body without waiting.
            abuse(
                .header, "Expect: 100-continue from an HTTP/1.0 client",
                raw("PUT /v1/key/generate/app-1 HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}"),
                .ok(#""ciphertext":"#)),
        ]
    }
}
