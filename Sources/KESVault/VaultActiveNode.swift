import Foundation
import NIOCore
import Synchronization

/// The address of the cluster's active node, learned from `sys/leader` and kept for a few
/// seconds.
///
/// Standby nodes answer reads from their own copy of the data, which trails the active node by
/// tens of milliseconds. A key another server created a moment ago is then "not found" through a
/// standby, a K/V v1 create's existence check can miss it and overwrite it, and a K/V v2 delete
/// sent through a standby that has not caught up can answer 204 and delete nothing. Requests whose
/// answer must reflect every write go to the active node instead.
final class VaultActiveNode: Sendable {
    private struct Learned {
        /// nil when the server is not part of a cluster (or names no active node).
        let address: String?
        let at: NIODeadline
    }

    private let learned = Mutex<Learned?>(nil)
    /// A leader change is noticed by the failed request that follows it, so this only bounds
    /// how often `sys/leader` is asked while all is well.
    static let lifetime = TimeAmount.seconds(5)

    /// The active node's `scheme://host:port`, or nil to use the configured endpoints as they are.
    func address(using transport: VaultTransport, deadline: NIODeadline) async -> String? {
        if let known = learned.withLock({ $0 }), NIODeadline.now() - known.at < Self.lifetime {
            return known.address
        }
        let address: String?
        do {
            let response = try await transport.send(
                .GET, "sys/leader", token: nil, namespace: "", timeout: deadline - NIODeadline.now())
            address = response.isSuccess ? Self.leaderAddress(in: response) : nil
        } catch {
            // Nothing learned: the request itself will find out what is reachable.
            return nil
        }
        learned.withLock { $0 = Learned(address: address, at: .now()) }
        return address
    }

    /// Called when the active node did not answer as one: the next request asks again.
    func forget() {
        learned.withLock { $0 = nil }
    }

    static func leaderAddress(in response: VaultResponse) -> String? {
        guard let body = response.jsonObject(), body["ha_enabled"] as? Bool == true,
              var address = body["leader_address"] as? String, !address.isEmpty
        else { return nil }
        while address.hasSuffix("/") { address.removeLast() }
        return address
    }
}
