import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fault `backends/netns-fault.sh` puts on the path between this process and a namespace.
public enum NetworkFault: Sendable, Hashable, CustomStringConvertible {
    /// Every host→namespace packet held this long (so a round trip takes that much longer).
    case latency(milliseconds: Int)
    /// That share of host→namespace packets dropped at random.
    case loss(percent: Int)
    /// Every host→namespace TCP segment answered with a RST: refused connects, reset connections.
    case reset
    /// Everything dropped both ways, without any answer.
    case blackhole

    /// The four the network fault tests run: 2 s latency, 30% loss, resets, a black hole.
    public static let standard: [NetworkFault] = [.latency(milliseconds: 2000), .loss(percent: 30), .reset, .blackhole]

    public var description: String {
        switch self {
        case .latency(let milliseconds): "latency \(milliseconds) ms"
        case .loss(let percent): "loss \(percent)%"
        case .reset: "reset"
        case .blackhole: "blackhole"
        }
    }

    var arguments: [String] {
        switch self {
        case .latency(let milliseconds): ["delay", "\(milliseconds)ms"]
        case .loss(let percent): ["loss", "\(percent)%"]
        case .reset: ["reset"]
        case .blackhole: ["blackhole"]
        }
    }
}

/// A network namespace joined to this host by a veth pair, made and removed by
/// `backends/netns-fault.sh`. Servers started through `launch` run inside it and listen on
/// `address`; this process reaches them over the veth, the one path `apply` disturbs.
///
/// Creating one passes this process's PID as `BACKEND_OWNER_PID`, so the script's watcher
/// removes the namespace, its rules and whatever runs inside should this process die first.
public final class NetworkNamespace: Sendable {
    public let name: String
    /// The namespace's end of the veth, where its servers listen.
    public let address: String
    /// The host's end of the veth.
    public let hostAddress: String

    public struct Failure: Error, CustomStringConvertible {
        public let description: String

        public init(description: String) {
            self.description = description
        }
    }

    private init(name: String, address: String, hostAddress: String) {
        self.name = name
        self.address = address
        self.hostAddress = hostAddress
    }

    /// Why namespaces and faults cannot be used here, or nil when they can: root, the tools the
    /// script needs, and an actual `ip netns add` (a container may lack the privileges). Computed
    /// once, synchronously, so that a suite's skip condition can carry the reason.
    public static let unsupportedReason: String? = {
        guard geteuid() == 0 else { return "needs root: network namespaces, veth pairs and iptables rules" }
        for tool in ["ip", "iptables", "python3", "flock"] where !BackendLauncher.isInstalled(tool) {
            let hint = tool == "iptables" ? " (apt-get install -y iptables)" : ""
            return "'\(tool)' is not on the PATH\(hint)"
        }
        let probe = "kfprobe\(getpid() % 100_000)"
        if let failure = shell("ip netns add \(probe) && ip netns del \(probe)") {
            return "'ip netns add' does not work here: \(failure)"
        }
        if let failure = shell("iptables -w 5 -S OUTPUT") {
            return "iptables cannot read the filter table: \(failure)"
        }
        return nil
    }()

    /// Runs a short command to completion; nil on success, else its stderr. Output goes to a
    /// file rather than a pipe, for the reason `TestProcess` gives.
    private static func shell(_ command: String) -> String? {
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("kes-netns-probe-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        guard let handle = try? FileHandle(forWritingTo: errors) else { return "cannot capture stderr" }
        defer { try? handle.close() }
        process.standardError = handle
        do {
            try process.run()
        } catch {
            return "\(error)"
        }
        process.waitUntilExit()
        guard process.terminationStatus != 0 else { return nil }
        let text = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        return "exit \(process.terminationStatus): \(text.trimmingCharacters(in: .whitespacesAndNewlines))"
    }

    /// Creates a namespace with a fresh name and address pair.
    public static func create() async throws -> NetworkNamespace {
        let name = "kf" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let values = try await script(["up", name])
        guard let address = values["NS_ADDR"], let hostAddress = values["HOST_ADDR"] else {
            throw Failure(description: "netns-fault.sh up printed no NS_ADDR/HOST_ADDR")
        }
        return NetworkNamespace(name: name, address: address, hostAddress: hostAddress)
    }

    /// Runs one of the `backends/` launchers inside the namespace (its server then listens on
    /// `address`); stop it with `BackendLauncher.stop(pidFile:)`, which works across namespaces.
    public func launch(
        _ launcher: String, arguments: [String], directory: String, pidName: String, environment: [String: String] = [:]
    ) async throws -> BackendLauncher {
        try await BackendLauncher.start(
            "netns-fault.sh", arguments: ["exec", name, launcher] + arguments, directory: directory, pidName: pidName,
            environment: environment)
    }

    /// Replaces whatever fault is on with `fault`; with `address`, only traffic to and from that
    /// one namespace address (e.g. `addAlias()`'s) is disturbed (`--addr`).
    public func apply(_ fault: NetworkFault, only address: String? = nil) async throws {
        let only = address.map { ["--addr", $0] } ?? []
        _ = try await Self.script([fault.arguments[0], name] + fault.arguments.dropFirst() + only)
    }

    /// Gives the namespace a second address (`netns-fault.sh alias`), routed over the same veth:
    /// servers inside that listen on 0.0.0.0 answer on it too, and `apply(_:only:)` can break the
    /// path through it alone. Returns the address; asking again returns the same one.
    public func addAlias() async throws -> String {
        guard let alias = try await Self.script(["alias", name])["ALIAS_ADDR"] else {
            throw Failure(description: "netns-fault.sh alias printed no ALIAS_ADDR")
        }
        return alias
    }

    /// Takes the current fault off.
    public func heal() async throws {
        _ = try await Self.script(["heal", name])
    }

    /// Stops what still runs inside, removes the rules, the veth and the namespace.
    public func remove() async {
        _ = try? await Self.script(["down", name])
    }

    @discardableResult
    private static func script(_ arguments: [String]) async throws -> [String: String] {
        let (status, output, errors) = try await TestProcess.run(
            "/bin/bash", [BackendLauncher.backendsDirectory + "/netns-fault.sh"] + arguments,
            environment: ["BACKEND_OWNER_PID": String(getpid())])
        guard status == 0 else {
            throw Failure(description: "netns-fault.sh \(arguments.joined(separator: " ")) exited \(status): \(errors)\(output)")
        }
        var values: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return values
    }
}
