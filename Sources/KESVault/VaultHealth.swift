import KESKeyStore
import Logging
import NIOCore
import Synchronization

/// Probes `sys/health` and remembers whether Vault was sealed at the last probe,
/// so key operations can fail fast while it is (docs/formats.md, "Key store layouts").
final class VaultHealth: Sendable {
    private let transport: VaultTransport
    private let logger: Logger
    private let sealed = Mutex(false)

    /// Answers for sealed and uninitialized servers with 299 instead of 503/501 so
    /// they are told apart from a proxy's errors; standbys count as healthy.
    private static let query = "standbyok=true&perfstandbyok=true&sealedcode=299&uninitcode=299"

    init(transport: VaultTransport, logger: Logger) {
        self.transport = transport
        self.logger = logger
    }

    /// True when the last probe (or a key request) found Vault sealed.
    var isSealed: Bool { sealed.withLock { $0 } }

    /// Records a sealed answer seen on a key request, before the next probe would.
    func markSealed() { setSealed(true) }

    /// Probes once and updates the sealed flag.
    /// - Throws: `.unreachable` without an HTTP answer, `.unavailable` when sealed,
    ///   not initialized or otherwise unable to serve.
    func check(timeout: TimeAmount) async throws(KeyStoreError) {
        let response: VaultResponse
        do {
            response = try await transport.send(.GET, "sys/health", query: Self.query, token: nil, namespace: "", timeout: timeout)
        } catch {
            // Unknown seal state: let key requests report what they actually run into.
            setSealed(false, announce: false)
            throw .unreachable("vault: no connection to \(transport.endpoint): \(error)")
        }
        let body = response.jsonObject() ?? [:]
        let initialized = body["initialized"] as? Bool ?? (response.code != 501)
        let isSealed = body["sealed"] as? Bool ?? (response.code == 503)
        if !initialized {
            setSealed(true)
            throw .unavailable("vault: not initialized")
        }
        if isSealed {
            setSealed(true)
            throw .unavailable("vault: key store is sealed")
        }
        setSealed(false)
        guard response.code == 200 || response.code == 299 else {
            throw .unavailable("vault: health check failed: \(response.failureText)")
        }
    }

    /// Probes every `interval` until the surrounding task is cancelled.
    func monitor(every interval: Duration, timeout: TimeAmount) async {
        while true {
            do { try await Task.sleep(for: interval) } catch { return }
            do {
                try await check(timeout: timeout)
            } catch {
                // Logged by `setSealed` on transitions; unreachable probes are the cache's concern.
            }
        }
    }

    private func setSealed(_ value: Bool, announce: Bool = true) {
        let previous = sealed.withLock { state in
            defer { state = value }
            return state
        }
        guard previous != value, announce else { return }
        if value {
            logger.error("vault: key store is sealed")
        } else {
            logger.info("vault: key store is unsealed")
        }
    }
}
