import ArgumentParser
import Foundation
import KESCore
import NIOCore
import NIOHTTP1
import NIOPosix

extension BenchOperation: ExpressibleByArgument {}

/// `kes-bench`: keep-alive mTLS load against a KES server (or any HTTPS peer in raw mode).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kes-bench",
        abstract: "Load generator for KES-compatible servers: closed or open loop over keep-alive mTLS connections.",
        discussion: """
            Each of the C connections sends one request at a time. Closed loop (default): the next request goes out \
            as soon as the previous answer arrives. Open loop (--rate R): R requests/s in total on a fixed schedule, \
            latency counted from when each request was due, so a stalled server cannot hide its stall; a connection \
            has one request outstanding, so give it enough connections (C ≥ R × latency).
            Only requests started in the measured window count. Errors are non-2xx answers, connection failures and \
            requests unanswered 5 s after the end.
            --requests N ends the run after N answers instead of after -d, with no warm-up; --keys N spreads the \
            requests over keys <name>-0 … <name>-(N-1). --hold D opens C connections, checks each with one request \
            and keeps them idle for D instead of running any load.

            Examples:
              kes-bench -k --api-key kes:v1:… --op generate --name my-key -c 16 -d 10s
              kes-bench -k --cert c.crt --key c.key --op decrypt --name my-key --rate 5000 -c 64
              kes-bench -k --api-key kes:v1:… --keys 10000 --requests 10000 --create-key
              kes-bench -k --api-key kes:v1:… -c 10000 --hold 60s
              kes-bench -k -s https://127.0.0.1:8200 --method PUT --path /v1/transit/datakey/plaintext/k \\
                  -H "X-Vault-Token: root" --body '{}'
            """
    )

    @Option(
        name: [.customShort("s"), .long],
        help: "Server URL; repeat it or separate URLs by commas to spread the connections over several servers (default: $KES_SERVER or https://127.0.0.1:7373).")
    var server: [String] = []

    @Option(name: .long, help: "Operation: generate, encrypt, decrypt, hmac, status or raw (default: generate; raw when --path is given).")
    var op: BenchOperation?

    @Option(name: .long, help: "The KES key the operation uses.")
    var name = "bench"

    @Flag(name: .long, help: "Create the key first, or with --keys all N of them (an existing key is fine).")
    var createKey = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Spread the requests over N keys: request i (counted over all connections) goes to <name>-<i mod N>. Generate, encrypt and hmac only; the check before the run uses <name>-0.",
            valueName: "N"))
    var keys: Int?

    @Option(
        name: .long,
        help: ArgumentHelp("End the run once N requests have been sent and answered, instead of after --duration; no warm-up.", valueName: "N"))
    var requests: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Open the C connections (at most 64 handshakes at a time), check each with one request, keep them idle for this long, then close them and report how fast they opened.",
            valueName: "duration"))
    var hold: String?

    @Option(name: .long, help: "Client API key kes:v1:… (default: $KES_API_KEY).")
    var apiKey: String?

    @Option(name: .long, help: "Client certificate PEM file (default: $KES_CLIENT_CERT).")
    var cert: String?

    @Option(name: .long, help: "Client private key PEM file (default: $KES_CLIENT_KEY).")
    var key: String?

    @Option(name: .long, help: "CA certificate PEM file to verify the server with.")
    var ca: String?

    @Flag(name: [.customShort("k"), .long], help: "Do not verify the server's certificate.")
    var insecure = false

    @Option(name: [.customShort("c"), .long], help: "Concurrent keep-alive connections.")
    var connections = 16

    // Optional so that giving one where it does not apply (--requests, --hold) can be refused.
    @Option(name: [.customShort("d"), .long], help: "Measured duration, a Go duration: 10s, 500ms, 1m (default: 10s).")
    var duration: String?

    @Option(name: .long, help: "Warm-up before the measured window, not counted (default: 2s; none with --requests).")
    var warmup: String?

    @Option(name: .long, help: "Open loop: total requests per second over all connections.")
    var rate: Double?

    @Option(name: .long, help: "Event-loop threads (default: the number of cores).")
    var threads: Int?

    @Option(name: .long, help: "Context (associated data) for generate/encrypt/decrypt, as text.")
    var context: String?

    @Option(name: .long, help: "Plaintext size for encrypt and message size for hmac, in bytes.")
    var size = 32

    @Option(name: .long, help: "HTTP method (raw mode; overrides the operation's method otherwise).")
    var method: String?

    @Option(name: .long, help: "Request path for raw mode, e.g. /v1/transit/decrypt/my-key.")
    var path: String?

    @Option(name: .long, help: "Request body for raw mode; @FILE reads it from a file.")
    var body: String?

    @Option(name: [.customShort("H"), .customLong("header")], help: "Extra header 'Name: value' (repeatable).")
    var headers: [String] = []

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    var operation: BenchOperation { op ?? (path != nil ? .raw : .generate) }

    func validate() throws {
        guard connections >= 1 else { throw ValidationError("--connections must be at least 1") }
        guard Self.nanoseconds(durationText).map({ $0 > 0 }) == true else { throw ValidationError("invalid --duration '\(durationText)'") }
        guard Self.nanoseconds(warmupText) != nil else { throw ValidationError("invalid --warmup '\(warmupText)'") }
        if let rate, !(rate > 0 && rate.isFinite) { throw ValidationError("--rate must be positive") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if (cert == nil) != (key == nil) { throw ValidationError("--cert and --key go together") }
        if apiKey != nil && cert != nil { throw ValidationError("use either --api-key or --cert/--key") }
        if operation == .raw && path == nil { throw ValidationError("raw mode needs --path") }
        if operation != .raw && (path != nil || body != nil) { throw ValidationError("--path and --body are for raw mode") }
        if let path, !path.hasPrefix("/") { throw ValidationError("--path must start with '/'") }
        if size < 0 { throw ValidationError("--size must not be negative") }
        for header in headers where RequestTemplate.parseHeader(header) == nil {
            throw ValidationError("invalid header '\(header)': use 'Name: value'")
        }
        if let keys {
            guard keys >= 1 else { throw ValidationError("--keys must be at least 1") }
            guard [.generate, .encrypt, .hmac].contains(operation) else {
                throw ValidationError("--keys works with --op generate, encrypt or hmac, not \(operation.rawValue)")
            }
        }
        if let requests {
            guard requests >= 1 else { throw ValidationError("--requests must be at least 1") }
            if duration != nil { throw ValidationError("--requests ends the run, so --duration does not apply") }
            if let warmup, Self.nanoseconds(warmup) != 0 { throw ValidationError("--requests runs without warm-up: leave out --warmup or give 0") }
        }
        if let hold {
            guard Self.nanoseconds(hold).map({ $0 > 0 }) == true else { throw ValidationError("invalid --hold '\(hold)'") }
            if rate != nil || requests != nil || keys != nil || duration != nil || warmup != nil {
                throw ValidationError("--hold sends no load: --rate, --requests, --keys, --duration and --warmup do not apply")
            }
        }
    }

    private var durationText: String { duration ?? "10s" }
    private var warmupText: String { warmup ?? (requests != nil ? "0s" : "2s") }

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let serverTexts = (server.isEmpty ? [environment["KES_SERVER"] ?? "https://127.0.0.1:7373"] : server)
            .flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let addresses = try serverTexts.map { text in
            guard let address = ServerAddress(text) else { throw ValidationError("invalid server URL '\(text)'") }
            return address
        }
        guard let address = addresses.first else { throw ValidationError("no server URL") }
        let (tlsContext, identity) = try ClientTLS.makeContext(credential: credential(environment), insecure: insecure, caFile: ca)
        let threadCount = threads ?? System.coreCount
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threadCount)
        defer { try? group.syncShutdownGracefully() }

        let socketAddresses = try addresses.map { try SocketAddress.makeAddressResolvingHost($0.host, port: $0.port) }
        let contextBytes = context.map { Array($0.utf8) }
        let keyCycle = keys.map { count in
            KeyCycle(
                pathPrefix: operation.kesRequest(keyName: "\(name)-", context: nil, plaintextSize: 0, ciphertext: nil).path,
                count: count)
        }
        // Numbered requests cost an atomic add each, so only runs that need the numbers have them.
        let tickets = keys != nil || requests != nil ? RequestTickets(limit: requests) : nil
        func plan(_ request: RequestTemplate, server index: Int = 0) -> LoadPlan {
            LoadPlan(
                address: addresses[index], socketAddress: socketAddresses[index], tlsContext: tlsContext,
                request: request.addressed(to: addresses[index].authority),
                connections: connections, rate: rate,
                warmupNanoseconds: Self.nanoseconds(warmupText) ?? 0,
                durationNanoseconds: Self.nanoseconds(durationText) ?? 1,
                graceNanoseconds: 5_000_000_000,
                keys: keyCycle, tickets: tickets)
        }
        let extraHeaders = headers.compactMap(RequestTemplate.parseHeader)
        func template(_ method: HTTPMethod, _ path: String, _ body: [UInt8]?) -> RequestTemplate {
            RequestTemplate(method: method, path: path, body: body, authority: address.authority, extraHeaders: extraHeaders)
        }
        func send(_ request: RequestTemplate) -> EventLoopFuture<OneShotRequest.Reply> {
            OneShotRequest.send(request, plan: plan(request), on: group.next())
        }
        func call(_ request: RequestTemplate) throws -> OneShotRequest.Reply {
            try send(request).wait()
        }

        let request: RequestTemplate
        if operation == .raw {
            let methodName = method ?? (body == nil ? "GET" : "POST")
            request = template(HTTPMethod(rawValue: methodName.uppercased()), path ?? "/", try rawBody())
        } else {
            // With --keys the template (and so the check before the run) is for the first key.
            let keyName = keys == nil ? name : "\(name)-0"
            if createKey {
                let names = keys.map { count in (0..<count).map { "\(name)-\($0)" } } ?? [name]
                try createKeys(names) { send(template(.POST, "/v1/key/create/\($0)", nil)) }
            }
            var ciphertext: String?
            if operation == .decrypt {
                ciphertext = try makeCiphertext(call: call, template: template, context: contextBytes)
            }
            let parts = operation.kesRequest(keyName: keyName, context: contextBytes, plaintextSize: size, ciphertext: ciphertext)
            request = template(method.map { HTTPMethod(rawValue: $0.uppercased()) } ?? parts.method, parts.path, parts.body)
        }

        let runPlans = addresses.indices.map { plan(request, server: $0) }
        if let holdNanoseconds = hold.flatMap(Self.nanoseconds) {
            let outcome = HoldRun.run(runPlans, holdNanoseconds: holdNanoseconds, group: group)
            let report = HoldReport(plans: runPlans, threads: threadCount, holdNanoseconds: holdNanoseconds, outcome: outcome)
            print(json ? try report.json() : report.text)
            return
        }
        let outcome = try LoadRun.run(runPlans, group: group)
        let report = BenchReport(
            plans: runPlans, operation: operation.rawValue, identity: identity, threads: threadCount, outcome: outcome)
        print(json ? try report.json() : report.text)
    }

    private func credential(_ environment: [String: String]) -> ClientTLS.Credential {
        if let apiKey { return .apiKey(apiKey) }
        if let cert, let key { return .files(certificate: cert, key: key) }
        if let text = environment["KES_API_KEY"], !text.isEmpty { return .apiKey(text) }
        if let cert = environment["KES_CLIENT_CERT"], let key = environment["KES_CLIENT_KEY"] {
            return .files(certificate: cert, key: key)
        }
        return .none
    }

    private func rawBody() throws -> [UInt8]? {
        guard let body else { return nil }
        guard body.hasPrefix("@") else { return Array(body.utf8) }
        let file = String(body.dropFirst())
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ValidationError("cannot read body file '\(file)'")
        }
        return Array(data)
    }

    /// Creates the keys, each on its own connection and up to 64 at a time: with --keys, ten thousand
    /// handshakes one after another would take a while.
    private func createKeys(_ names: [String], send create: (String) -> EventLoopFuture<OneShotRequest.Reply>) throws {
        let results = LimitedLaunch.run(count: names.count) { create(names[$0]) }
        for (name, result) in zip(names, results) {
            let reply = try result.get()
            guard (200..<300).contains(reply.status) || reply.body.contains("already exists") else {
                throw SetupFailure(description: "creating key '\(name)' failed: \(reply.status) \(reply.body.prefix(200))")
            }
        }
    }

    /// Decrypt needs a ciphertext the key accepts: ask the server to generate one, with the same context.
    private func makeCiphertext(
        call: (RequestTemplate) throws -> OneShotRequest.Reply,
        template: (HTTPMethod, String, [UInt8]?) -> RequestTemplate,
        context: [UInt8]?
    ) throws -> String {
        let generate = BenchOperation.generate.kesRequest(keyName: name, context: context, plaintextSize: 0, ciphertext: nil)
        let reply = try call(template(generate.method, generate.path, generate.body))
        guard (200..<300).contains(reply.status),
              let object = try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any],
              let ciphertext = object["ciphertext"] as? String
        else {
            throw SetupFailure(description: "making a ciphertext with key '\(name)' failed: \(reply.status) \(reply.body.prefix(200))")
        }
        return ciphertext
    }
}

struct SetupFailure: Error, CustomStringConvertible {
    let description: String
}

extension BenchCommand {
    /// A non-negative Go duration (`10s`, `500ms`, `1m`) in nanoseconds, as the config file and
    /// `kes` take durations.
    static func nanoseconds(_ text: String) -> UInt64? {
        guard let duration = try? parseGoDuration(text), duration >= .zero else { return nil }
        return UInt64(duration.components.seconds) * 1_000_000_000 + UInt64(duration.components.attoseconds / 1_000_000_000)
    }
}
