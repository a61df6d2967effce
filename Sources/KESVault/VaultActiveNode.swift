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
        /// nil when the server is not part of a cluster (or names no active node), or when the
        /// address it named could not be reached.
        let address: String?
        let until: NIODeadline
    }

    private let learned = Mutex<Learned?>(nil)
    /// A leader change is noticed by the failed request that follows it, so this only bounds
    /// how often `sys/leader` is asked while all is well.
    static let lifetime = TimeAmount.seconds(5)
    /// An active node that cannot be reached from here (its advertised `api_addr` may be an
    /// address only the cluster uses) is left alone this long, so requests do not each wait for
    /// it to time out first.
    static let unreachableLifetime = TimeAmount.seconds(30)
    /// After `sys/leader` itself failed.
    static let failedLookupLifetime = TimeAmount.seconds(1)

    /// The active node's `scheme://host:port`, or nil to use the configured endpoints as they are.
    func address(using transport: VaultTransport, deadline: NIODeadline) async -> String? {
        if let known = learned.withLock({ $0 }), NIODeadline.now() < known.until {
            return known.address
        }
        let address: String?
        do {
            let response = try await transport.send(
                .GET, "sys/leader", token: nil, namespace: "", timeout: deadline - NIODeadline.now())
            address = response.isSuccess ? Self.leaderAddress(in: response) : nil
        } catch {
            // Nothing learned, and asking again at once would only spend the next request's budget.
            learned.withLock { $0 = Learned(address: nil, until: .now() + Self.failedLookupLifetime) }
            return nil
        }
        learned.withLock { $0 = Learned(address: address, until: .now() + Self.lifetime) }
        return address
    }

    /// Called when the active node answered that it cannot serve, or refused the connection (a
    /// leader change): the next request asks again.
    func forget() {
        learned.withLock { $0 = nil }
    }

    /// Called when the active node did not answer in time.
    func unreachable() {
        learned.withLock { $0 = Learned(address: nil, until: .now() + Self.unreachableLifetime) }
    }

    static func leaderAddress(in response: VaultResponse) -> String? {
        guard let body = response.jsonObject(), body["ha_enabled"] as? Bool == true,
              var address = body["leader_address"] as? String, !address.isEmpty
        else { return nil }
        while address.hasSuffix("/") { address.removeLast() }
        return address
    }
}
