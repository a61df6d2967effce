import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real 3-node OpenBao cluster with Raft storage, started by `backends/openbao-raft.sh` (K/V v2
/// at `secret/`, AppRole at `approle/` with role `kes`), for tests of several swift-kes instances
/// on one clustered store. Nodes are numbered 0, 1, 2 here: `addresses[i]` is the launcher's
/// `node<i+1>`.
///
/// Starting takes about 5 s, so a suite shares one cluster (a suite trait starts it before the
/// first test and stops it after the last); should the test process die first, the launcher's
/// watchdogs (`BACKEND_OWNER_PID`) stop the nodes.
public final class OpenBaoRaftCluster: Sendable {
    public let directory: String
    /// `http://127.0.0.1:PORT` of node 0, 1, 2 (the namespace's address instead of 127.0.0.1 for a
    /// cluster started in one).
    public let addresses: [String]
    public let rootToken: String
    /// AppRole role `kes` (policy: create, read, update, delete, list on `secret/*` and `kv1/*`).
    public let roleID: String
    public let secretID: String

    /// True when `bao` is installed; the cluster tests are skipped otherwise.
    public static var isInstalled: Bool { OpenBaoLauncher.isInstalled }

    private init(directory: String, addresses: [String], rootToken: String, roleID: String, secretID: String) {
        self.directory = directory
        self.addresses = addresses
        self.rootToken = rootToken
        self.roleID = roleID
        self.secretID = secretID
    }

    /// Starts a fresh cluster in a new temporary directory; returns once all three nodes are
    /// unsealed voters that see the mounts.
    ///
    /// With `namespace` the nodes run inside it (`netns-fault.sh exec`): `addresses` are then on
    /// the namespace's address, and the API listeners bind 0.0.0.0 there (`OPENBAO_RAFT_LISTEN`),
    /// so the nodes answer on the namespace's alias too, on the same ports.
    public static func start(in namespace: NetworkNamespace? = nil) async throws -> OpenBaoRaftCluster {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kes-raft-\(UUID().uuidString.prefix(8))").path
        do {
            let pidName = "node1/openbao.pid"
            let launched =
                if let namespace {
                    try await namespace.launch(
                        "openbao-raft.sh", arguments: [directory], directory: directory, pidName: pidName,
                        environment: ["OPENBAO_RAFT_LISTEN": "0.0.0.0"])
                } else {
                    try await BackendLauncher.start("openbao-raft.sh", arguments: [directory], directory: directory, pidName: pidName)
                }
            let values = launched.values
            let addresses = (1...3).compactMap { values["NODE\($0)_ADDR"] }
            guard addresses.count == 3, let token = values["VAULT_TOKEN"], let roleID = values["VAULT_ROLE_ID"],
                  let secretID = values["VAULT_SECRET_ID"]
            else {
                throw OpenBaoLauncherError.failed("openbao-raft.sh printed too little: \(values.keys.sorted())")
            }
            return OpenBaoRaftCluster(
                directory: directory, addresses: addresses, rootToken: token, roleID: roleID, secretID: secretID)
        } catch {
            await stop(directory: directory)
            throw error
        }
    }

    /// Stops every node (`openbao-raft-stop.sh`) and removes the directory.
    public func stop() async {
        await Self.stop(directory: directory)
    }

    private static func stop(directory: String) async {
        do {
            let (status, output, errors) = try await TestProcess.run(
                "/bin/bash", [BackendLauncher.backendsDirectory + "/openbao-raft-stop.sh", directory])
            if status != 0 { Issue.record("openbao-raft-stop.sh \(directory) exited \(status): \(errors)\(output)") }
        } catch {
            Issue.record("openbao-raft-stop.sh \(directory) did not run: \(error)")
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The addresses in the order instance `preferred` lists them: its own node first.
    public func addresses(preferring preferred: Int) -> [String] {
        (0..<addresses.count).map { addresses[(preferred + $0) % addresses.count] }
    }

    private func pidFile(_ node: Int) -> String { directory + "/node\(node + 1)/openbao.pid" }

    /// The PID of node `node` from its PID file; nil when there is none.
    public func pid(of node: Int) -> pid_t? {
        let text = (try? String(contentsOfFile: pidFile(node), encoding: .utf8)) ?? ""
        return pid_t(text.filter(\.isNumber))
    }

    /// True while node `node`'s process runs (a zombie counts as gone: init may never reap it).
    public func isRunning(_ node: Int) -> Bool {
        guard let pid = pid(of: node) else { return false }
        return Self.isAlive(pid)
    }

    private static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }

    /// SIGKILLs node `node` by PID and waits (up to 5 s) until the process is gone.
    public func kill(node: Int) async throws {
        guard let pid = pid(of: node) else { throw OpenBaoLauncherError.failed("node\(node + 1) has no PID file") }
        #if canImport(Glibc)
        _ = Glibc.kill(pid, SIGKILL)
        #else
        _ = Darwin.kill(pid, SIGKILL)
        #endif
        let deadline = ContinuousClock.now + .seconds(5)
        while Self.isAlive(pid) {
            guard ContinuousClock.now < deadline else { throw OpenBaoLauncherError.failed("node\(node + 1) survived SIGKILL") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Starts node `node` again on its ports and Raft data (`openbao-raft-node.sh`): unsealed and
    /// following a leader when this returns.
    public func restart(node: Int) async throws {
        _ = try await BackendLauncher.start(
            "openbao-raft-node.sh", arguments: [directory, String(node + 1)], directory: directory,
            pidName: "node\(node + 1)/openbao.pid")
    }

    /// The node that `GET /v1/sys/leader` names, asked of each running node in turn (the first
    /// that answers); nil when none answers or none names a leader. While an election is under
    /// way the survivors still name the dead leader.
    public func leaderIndex() async -> Int? {
        for node in addresses.indices where isRunning(node) {
            guard let leader = await leaderAddress(askedOf: node) else { continue }
            return addresses.firstIndex(of: leader)
        }
        return nil
    }

    /// Polls every 50 ms until a running node other than `excluded` says it is the leader.
    /// - Returns: the new leader's index.
    public func waitForLeader(excluding excluded: Int? = nil, timeout: Duration = .seconds(15)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let leader = await leaderIndex(), leader != excluded, isRunning(leader),
               await leaderAddress(askedOf: leader) == addresses[leader]
            {
                return leader
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw OpenBaoLauncherError.failed("no leader other than node \(excluded.map(String.init) ?? "-") within \(timeout)")
    }

    private func leaderAddress(askedOf node: Int) async -> String? {
        var request = HTTPClientRequest(url: addresses[node] + "/v1/sys/leader")
        request.headers.add(name: "X-Vault-Inconsistent", value: "fail")
        guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(2)),
              response.status == .ok, let body = try? await response.body.collect(upTo: 1 << 16),
              let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any],
              let leader = object["leader_address"] as? String, !leader.isEmpty
        else { return nil }
        return leader
    }
}
