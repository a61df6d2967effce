import Foundation
import KESCore
import KESTestSupport
import NIOHTTP1
import Synchronization
import Testing

/// `kill -9` in the middle of concurrent creates, imports, encrypts and deletes, then a restart of
/// `kes server` on the same key store, several times over.
///
/// A kill leaves the kernel's page cache intact, so these tests check that a 200 comes only once
/// the key store holds the change, and that a write cut short leaves all of a key or nothing;
/// they cannot see a missing fsync, which only a power cut would expose.
///
/// The choices (operations, key bytes, plaintexts, the moment of each kill) come from a seeded
/// generator whose seed is printed; `KES_CRASH_STORM_SEED` replays them. The interleaving is
/// the scheduler's.
@Suite(.serialized, .timeLimit(.minutes(2))) struct CrashStormTests {
    @Test func fsStoreKeepsEveryAcknowledgedWriteThroughKill9Storms() async throws {
        let directory = TestServer.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let keys = directory + "/keys"
        let storm = try CrashStorm(
            label: "fs", directory: directory, rounds: 5,
            keystore: """
                  fs:
                    path: \(keys)
                """,
            keyDirectory: keys)
        let totals = try await storm.run()
        #expect(totals.rounds == 5)
        #expect(totals.acknowledged >= 5 * 20, "\(totals.summary)")
    }

    @Test(.enabled(if: OpenBaoLauncher.isInstalled || ProcessInfo.processInfo.environment["CI"] != nil, "bao is not on the PATH"))
    func openBaoStoreKeepsEveryAcknowledgedWriteThroughKill9Storms() async throws {
        let directory = TestServer.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await withOpenBao(.dev) { openBao in
            // Only swift-kes is killed; OpenBao keeps running and is the store both processes share.
            let storm = try CrashStorm(
                label: "openbao", directory: directory, rounds: 3,
                keystore: """
                      vault:
                        endpoint: \(openBao.address)
                        engine: secret
                        version: v2
                        prefix: kes
                        token: \(openBao.rootToken)
                    """,
                keyDirectory: nil)
            let totals = try await storm.run()
            #expect(totals.rounds == 3)
            #expect(totals.acknowledged >= 3 * 20, "\(totals.summary)")
        }
    }
}

/// One storm test: a config file, the server process of the current round, and what every
/// client was told.
private struct CrashStorm {
    let label: String
    let directory: String
    let rounds: Int
    let keyDirectory: String?
    let seed: UInt64
    let admin: TestIdentity
    let config: String
    /// Clients writing during a storm, and clients checking after a restart.
    let writers = 12
    let checkers = 8

    init(label: String, directory: String, rounds: Int, keystore: String, keyDirectory: String?) throws {
        self.label = label
        self.directory = directory
        self.rounds = rounds
        self.keyDirectory = keyDirectory
        let replay = ProcessInfo.processInfo.environment["KES_CRASH_STORM_SEED"].flatMap { UInt64($0) }
        seed = replay ?? UInt64.random(in: 1 ... .max)
        admin = try TestIdentity.apiKey()
        let certificate = try CertificateMinter.selfSigned(
            keyType: .p256, commonName: "localhost", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"],
            validity: .seconds(3600))
        try certificate.certificatePEM.write(toFile: directory + "/server.crt", atomically: true, encoding: .utf8)
        try certificate.privateKeyPEM.write(toFile: directory + "/server.key", atomically: true, encoding: .utf8)
        config = directory + "/config.yaml"
        let yaml = """
            address: 127.0.0.1:0
            admin:
              identity: \(admin.identity.rawValue)
            tls:
              key: \(directory)/server.key
              cert: \(directory)/server.crt
            keystore:
            \(keystore)
            """
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)
    }

    func run() async throws -> StormTotals {
        print("CrashStorm \(label): seed \(seed) (KES_CRASH_STORM_SEED=\(seed) replays the choices)")
        let started = ContinuousClock.now
        let running = RunningServer()
        defer { running.killNow() }
        var random = StormRandom(seed: seed)
        var totals = StormTotals(label: label, seed: seed, writers: writers)
        var records: [KeyRecord] = []

        var server = try await start(running, generation: 0)
        for round in 1...rounds {
            let stormLength = Duration.milliseconds(Int(random.next(upperBound: 1000)) + 1000)
            let (written, counts) = try await storm(on: server, round: round, owned: records, length: stormLength, random: &random)
            records = written
            totals.add(counts)

            if let keyDirectory {
                totals.tempFilesLeftByKills += try Self.entries(of: keyDirectory).filter { $0.hasPrefix(".kes-tmp-") }.count
            }
            server = try await start(running, generation: round)
            records = try await check(records, on: server, round: round, totals: &totals)
            totals.rounds += 1
        }
        await server.kill()
        totals.elapsed = ContinuousClock.now - started
        print("CrashStorm \(totals.summary)")
        return totals
    }

    private func start(_ running: RunningServer, generation: Int) async throws -> KESServerProcess {
        let server = try await KESServerProcess.start(
            config: config, identity: admin, logDirectory: directory, label: "kes-\(generation)")
        running.replace(server)
        return server
    }

    // MARK: The storm

    /// Runs `writers` clients against `server` for `length`, then SIGKILLs it mid-flight. The live
    /// keys of earlier rounds are shared out among the clients, so deletes and encrypts reach keys
    /// an earlier process wrote. Each key belongs to one client, so its history is sequential.
    private func storm(
        on server: KESServerProcess, round: Int, owned: [KeyRecord], length: Duration, random: inout StormRandom
    ) async throws -> ([KeyRecord], StormCounts) {
        let killed = KillFlag()
        var shares = Array(repeating: [KeyRecord](), count: writers)
        var settled: [KeyRecord] = []
        for (index, record) in owned.enumerated() {
            if record.state == .present { shares[index % writers].append(record) } else { settled.append(record) }
        }
        let seeds = (0..<writers).map { _ in random.next() }
        let context = "\(label) round \(round) (seed \(seed))"
        let results = try await withClients(writers, port: server.port) { clients in
            await withTaskGroup(of: StormWorker.self) { group in
                for index in 0..<writers {
                    let worker = StormWorker(
                        name: "r\(round)-w\(index)-", random: StormRandom(seed: seeds[index]), owned: shares[index], context: context)
                    let client = clients[index]
                    group.addTask {
                        var worker = worker
                        await worker.run(client, killed: killed)
                        return worker
                    }
                }
                try? await Task.sleep(for: length)
                killed.set()
                await server.kill()
                return await group.reduce(into: [StormWorker]()) { $0.append($1) }
            }
        }
        var counts = StormCounts()
        for worker in results {
            settled += worker.owned + worker.finished
            counts.add(worker.counts)
        }
        #expect(counts.acknowledged > 0, "\(context): no operation was acknowledged before the kill")
        return (settled, counts)
    }

    // MARK: The checks after a restart

    /// Every key ever written, checked against what the clients were told, on the restarted server.
    /// Keys whose last operation went unanswered are settled here as present or absent.
    private func check(_ records: [KeyRecord], on server: KESServerProcess, round: Int, totals: inout StormTotals) async throws
        -> [KeyRecord]
    {
        let context = "\(label) round \(round) (seed \(seed))"
        let (settled, counts) = try await withClients(checkers, port: server.port) { clients in
            let checked = await withTaskGroup(of: ([KeyRecord], StormCheckCounts).self) { group in
                for index in 0..<checkers {
                    let share = records.enumerated().filter { $0.offset % checkers == index }.map(\.element)
                    let client = clients[index]
                    group.addTask {
                        var counts = StormCheckCounts()
                        var out: [KeyRecord] = []
                        for record in share {
                            out.append(await Self.check(record, client: client, context: context, counts: &counts))
                        }
                        return (out, counts)
                    }
                }
                return await group.reduce(into: ([KeyRecord](), StormCheckCounts())) { result, part in
                    result.0 += part.0
                    result.1.add(part.1)
                }
            }
            var counts = checked.1
            let present = Set(checked.0.filter { $0.state == .present }.map(\.name))
            for listed in 1...round {
                let prefix = "r\(listed)-"
                let expected = present.filter { $0.hasPrefix(prefix) }.sorted()
                let reply = try await clients[0].send(.GET, "/v1/key/list/\(prefix)")
                #expect(reply.status == 200, "\(context): list \(prefix) answered \(reply.status): \(reply.body)")
                let names = reply.json?["names"] as? [String] ?? []
                #expect(names == Array(expected.prefix(1000)), "\(context): list \(prefix) differs from the acknowledged keys")
                counts.checks += 1
            }
            return (checked.0, counts)
        }
        totals.add(counts)
        let present = Set(settled.filter { $0.state == .present }.map(\.name))

        if let keyDirectory {
            let entries = try Self.entries(of: keyDirectory)
            let temp = entries.filter { $0.hasPrefix(".") }
            #expect(temp.isEmpty, "\(context): the restarted store left \(temp) in its directory")
            let strays = Set(entries).subtracting(present).subtracting(temp)
            #expect(strays.isEmpty, "\(context): files that are no present key: \(strays.sorted())")
            let missing = present.subtracting(entries)
            #expect(missing.isEmpty, "\(context): present keys without a file: \(missing.sorted())")
        }
        return settled
    }

    /// One key: describe, then every acknowledged ciphertext, then for a key that was in doubt (or
    /// imported and not yet checked) an encrypt and decrypt through the server.
    private static func check(_ record: KeyRecord, client: KESProcessClient, context: String, counts: inout StormCheckCounts) async
        -> KeyRecord
    {
        var record = record
        let what = "\(context): \(record.name) (\(record.state))"
        let described: KESProcessClient.Reply
        do {
            described = try await client.send(.GET, "/v1/key/describe/\(record.name)")
        } catch {
            Issue.record("\(what): describe got no answer from the restarted server: \(error)")
            return record
        }
        counts.checks += 1
        let wasInDoubt = record.state == .createUnanswered || record.state == .deleteUnanswered
        switch (record.state, described.status) {
        case (.present, 200), (.createUnanswered, 200), (.deleteUnanswered, 200):
            let json = described.json ?? [:]
            let id = json["id"] as? String ?? ""
            #expect(json["name"] as? String == record.name, "\(what): describe answered \(described.body)")
            #expect(id.count == 32 && id.allSatisfy(\.isHexDigit), "\(what): describe answered \(described.body)")
            if let expected = record.importedID {
                #expect(id == expected, "\(what): the imported key's bytes changed (id \(id), imported \(expected))")
            }
            if record.state == .present { counts.present += 1 } else { counts.settledPresent += 1 }
            record.state = .present
        case (.absent, 404), (.createUnanswered, 404), (.deleteUnanswered, 404):
            if record.state == .absent { counts.absent += 1 } else { counts.settledAbsent += 1 }
            record.state = .absent
            record.sealed = []
            return record
        default:
            Issue.record("\(what): describe answered \(described.status): \(described.body)")
            return record
        }

        for sealed in record.sealed {
            guard let opened = await send(client, .PUT, "/v1/key/decrypt/\(record.name)", #"{"ciphertext":"\#(sealed.ciphertext)"}"#, what)
            else { continue }
            counts.checks += 1
            #expect(
                opened.status == 200 && opened.json?["plaintext"] as? String == sealed.plaintext,
                "\(what): an acknowledged ciphertext no longer decrypts: \(opened.status) \(opened.body)")
        }
        if wasInDoubt || (record.importedKey != nil && !record.bytesChecked) {
            record.bytesChecked = await roundTrip(record, client: client, what: what, counts: &counts)
        }
        return record
    }

    /// Encrypts through the server and decrypts through the server; an imported key's ciphertext
    /// must also open locally under the bytes the client imported.
    private static func roundTrip(_ record: KeyRecord, client: KESProcessClient, what: String, counts: inout StormCheckCounts) async -> Bool {
        let plaintext = Base64.encode(Array("round trip of \(record.name)".utf8))
        guard let sealed = await send(client, .PUT, "/v1/key/encrypt/\(record.name)", #"{"plaintext":"\#(plaintext)"}"#, what) else {
            return false
        }
        counts.checks += 1
        guard sealed.status == 200, let ciphertext = sealed.json?["ciphertext"] as? String else {
            Issue.record("\(what): encrypt answered \(sealed.status): \(sealed.body)")
            return false
        }
        guard let opened = await send(client, .PUT, "/v1/key/decrypt/\(record.name)", #"{"ciphertext":"\#(ciphertext)"}"#, what) else {
            return false
        }
        counts.checks += 1
        #expect(opened.status == 200 && opened.json?["plaintext"] as? String == plaintext, "\(what): \(opened.status) \(opened.body)")
        guard let bytes = record.importedKey else { return true }
        let key = try? SecretKey(bytes: bytes, algorithm: .aes256)
        let local = try? key?.decrypt(Base64.decode(ciphertext) ?? [], context: [])
        #expect(local.map { Base64.encode($0) } == plaintext, "\(what): the server no longer encrypts with the imported bytes")
        return true
    }

    private static func send(_ client: KESProcessClient, _ method: HTTPMethod, _ path: String, _ body: String, _ what: String) async
        -> KESProcessClient.Reply?
    {
        do {
            return try await client.send(method, path, body)
        } catch {
            Issue.record("\(what): \(method) \(path) got no answer from the restarted server: \(error)")
            return nil
        }
    }

    /// `count` clients of `port`, shut down however `body` ends: a client released while running
    /// stops the test process.
    private func withClients<T>(_ count: Int, port: Int, _ body: ([KESProcessClient]) async throws -> T) async throws -> T {
        var clients: [KESProcessClient] = []
        do {
            for _ in 0..<count { clients.append(try KESProcessClient(port: port, identity: admin)) }
            let result = try await body(clients)
            for client in clients { await client.shutdown() }
            return result
        } catch {
            for client in clients { await client.shutdown() }
            throw error
        }
    }

    private static func entries(of directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory)
    }
}

/// What one key went through, as its client saw it.
private struct KeyRecord: Sendable {
    enum State: Sendable, CustomStringConvertible {
        /// Acknowledged create or import, no delete sent (or settled present after a restart).
        case present
        /// Acknowledged delete (or settled absent after a restart).
        case absent
        /// A create or import that got no answer: all of the key or nothing may be there.
        case createUnanswered
        /// A delete that got no answer.
        case deleteUnanswered

        var description: String {
            switch self {
            case .present: "acknowledged present"
            case .absent: "acknowledged deleted"
            case .createUnanswered: "create unanswered"
            case .deleteUnanswered: "delete unanswered"
            }
        }
    }

    struct Sealed: Sendable {
        let plaintext: String
        let ciphertext: String
    }

    let name: String
    var state: State
    /// The bytes a client imported, and the key ID the server must report for them.
    let importedKey: [UInt8]?
    let importedID: String?
    var bytesChecked = false
    /// Ciphertexts of acknowledged encrypts, with their plaintexts (base64).
    var sealed: [Sealed] = []
}

/// One client of a storm: sequential operations on its own keys until a request goes unanswered.
private struct StormWorker: Sendable {
    let name: String
    var random: StormRandom
    /// Keys acknowledged present that this client may encrypt with or delete.
    var owned: [KeyRecord]
    /// Keys this client is done with: deleted, or whose last operation went unanswered.
    var finished: [KeyRecord] = []
    let context: String
    var counts = StormCounts()
    private var serial = 0

    init(name: String, random: StormRandom, owned: [KeyRecord], context: String) {
        self.name = name
        self.random = random
        self.owned = owned
        self.context = context
    }

    mutating func run(_ client: KESProcessClient, killed: KillFlag) async {
        while true {
            let roll = random.next(upperBound: 100)
            let answered: Bool
            if owned.isEmpty || roll < 30 {
                answered = await create(client, killed: killed)
            } else if roll < 50 {
                answered = await importKey(client, killed: killed)
            } else if roll < 80 {
                answered = await encrypt(client, killed: killed)
            } else {
                answered = await delete(client, killed: killed)
            }
            // After the kill every request goes unanswered; before it, none may.
            if !answered { return }
        }
    }

    private mutating func nextName() -> String {
        serial += 1
        return name + String(serial)
    }

    private mutating func create(_ client: KESProcessClient, killed: KillFlag) async -> Bool {
        await addKey(client, killed: killed, route: "create", body: nil, imported: nil, acknowledged: \.creates, unanswered: \.unansweredCreates)
    }

    private mutating func importKey(_ client: KESProcessClient, killed: KillFlag) async -> Bool {
        let bytes = (0..<32).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let id = (try? SecretKey(bytes: bytes, algorithm: .aes256))?.id
        let body = #"{"key":"\#(Base64.encode(bytes))","cipher":"AES256"}"#
        return await addKey(
            client, killed: killed, route: "import", body: body, imported: (bytes, id), acknowledged: \.imports,
            unanswered: \.unansweredImports)
    }

    /// A create or an import of a fresh name: acknowledged keys join the client's own, the rest
    /// are checked after the restart as either whole or absent.
    private mutating func addKey(
        _ client: KESProcessClient, killed: KillFlag, route: String, body: String?, imported: (bytes: [UInt8], id: String?)?,
        acknowledged: WritableKeyPath<StormCounts, Int>, unanswered: WritableKeyPath<StormCounts, Int>
    ) async -> Bool {
        let key = nextName()
        guard let reply = await send(client, .POST, "/v1/key/\(route)/\(key)", body, killed: killed) else {
            counts[keyPath: unanswered] += 1
            finished.append(KeyRecord(name: key, state: .createUnanswered, importedKey: imported?.bytes, importedID: imported?.id))
            return false
        }
        let record = KeyRecord(
            name: key, state: reply.status == 200 ? .present : .createUnanswered, importedKey: imported?.bytes, importedID: imported?.id)
        if reply.status == 200 {
            counts[keyPath: acknowledged] += 1
            owned.append(record)
        } else {
            Issue.record("\(context): \(route) \(key) answered \(reply.status): \(reply.body)")
            finished.append(record)
        }
        return true
    }

    private mutating func encrypt(_ client: KESProcessClient, killed: KillFlag) async -> Bool {
        let index = Int(random.next(upperBound: UInt64(owned.count)))
        let length = Int(random.next(upperBound: 48)) + 16
        let plaintext = Base64.encode((0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) })
        let key = owned[index].name
        guard let reply = await send(client, .PUT, "/v1/key/encrypt/\(key)", #"{"plaintext":"\#(plaintext)"}"#, killed: killed) else {
            counts.unansweredEncrypts += 1
            return false
        }
        if reply.status == 200, let ciphertext = reply.json?["ciphertext"] as? String {
            counts.encrypts += 1
            owned[index].sealed.append(KeyRecord.Sealed(plaintext: plaintext, ciphertext: ciphertext))
        } else {
            Issue.record("\(context): encrypt \(key) answered \(reply.status): \(reply.body)")
        }
        return true
    }

    private mutating func delete(_ client: KESProcessClient, killed: KillFlag) async -> Bool {
        var record = owned.remove(at: Int(random.next(upperBound: UInt64(owned.count))))
        guard let reply = await send(client, .DELETE, "/v1/key/delete/\(record.name)", nil, killed: killed) else {
            counts.unansweredDeletes += 1
            record.state = .deleteUnanswered
            finished.append(record)
            return false
        }
        if reply.status == 200 {
            counts.deletes += 1
            record.state = .absent
            record.sealed = []
        } else {
            Issue.record("\(context): delete \(record.name) answered \(reply.status): \(reply.body)")
            record.state = .deleteUnanswered
        }
        finished.append(record)
        return true
    }

    /// The answer, or nil when none came. No answer before the kill is a failure of its own.
    private func send(_ client: KESProcessClient, _ method: HTTPMethod, _ path: String, _ body: String?, killed: KillFlag) async
        -> KESProcessClient.Reply?
    {
        do {
            return try await client.send(method, path, body)
        } catch {
            if !killed.isSet { Issue.record("\(context): \(method) \(path) got no answer before the kill: \(error)") }
            return nil
        }
    }
}

/// Set just before the SIGKILL: from then on, a request without an answer is expected.
private final class KillFlag: Sendable {
    private let flag = Atomic(false)
    var isSet: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }
}

/// The server process of the current round, for the test's `defer`.
private final class RunningServer: Sendable {
    private let current = Mutex<KESServerProcess?>(nil)

    func replace(_ server: KESServerProcess) {
        current.withLock { $0 = server }
    }

    func killNow() {
        current.withLock { $0?.killNow() }
    }
}

private struct StormCounts: Sendable {
    var creates = 0
    var imports = 0
    var encrypts = 0
    var deletes = 0
    var unansweredCreates = 0
    var unansweredImports = 0
    var unansweredEncrypts = 0
    var unansweredDeletes = 0

    var acknowledged: Int { creates + imports + encrypts + deletes }
    var unanswered: Int { unansweredCreates + unansweredImports + unansweredEncrypts + unansweredDeletes }

    mutating func add(_ other: StormCounts) {
        creates += other.creates
        imports += other.imports
        encrypts += other.encrypts
        deletes += other.deletes
        unansweredCreates += other.unansweredCreates
        unansweredImports += other.unansweredImports
        unansweredEncrypts += other.unansweredEncrypts
        unansweredDeletes += other.unansweredDeletes
    }
}

private struct StormCheckCounts: Sendable {
    /// Requests sent to restarted servers to check keys.
    var checks = 0
    /// Keys found as their clients were told (present or deleted), over all restarts.
    var present = 0
    var absent = 0
    /// Keys whose last operation went unanswered, found present or absent.
    var settledPresent = 0
    var settledAbsent = 0

    mutating func add(_ other: StormCheckCounts) {
        checks += other.checks
        present += other.present
        absent += other.absent
        settledPresent += other.settledPresent
        settledAbsent += other.settledAbsent
    }
}

private struct StormTotals {
    let label: String
    let seed: UInt64
    let writers: Int
    var rounds = 0
    var storm = StormCounts()
    var found = StormCheckCounts()
    var checks = 0
    var tempFilesLeftByKills = 0
    var elapsed = Duration.zero

    var acknowledged: Int { storm.acknowledged }

    mutating func add(_ counts: StormCounts) { storm.add(counts) }

    mutating func add(_ counts: StormCheckCounts) {
        found.add(counts)
        checks += counts.checks
    }

    var summary: String {
        """
        \(label): seed \(seed), \(rounds) rounds of \(writers) clients, \(elapsed); \
        acknowledged \(storm.acknowledged) operations (\(storm.creates) creates, \(storm.imports) imports, \
        \(storm.encrypts) encrypts, \(storm.deletes) deletes); unanswered at the kills \(storm.unanswered) \
        (\(storm.unansweredCreates) creates, \(storm.unansweredImports) imports, \(storm.unansweredEncrypts) encrypts, \
        \(storm.unansweredDeletes) deletes), of whose keys \(found.settledPresent) were present and \(found.settledAbsent) absent; \
        key checks across restarts: \(found.present) present and \(found.absent) deleted as acknowledged; \
        \(checks) check requests; \(tempFilesLeftByKills) temp files left by kills
        """
    }
}

/// SplitMix64: a small seeded generator, so that a failing storm's choices can be replayed.
private struct StormRandom: Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(upperBound: UInt64) -> UInt64 {
        next() % upperBound
    }
}
