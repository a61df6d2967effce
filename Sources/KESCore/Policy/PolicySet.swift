/// The authorization state loaded from the config: the admin, the policies and which identity uses which policy.
public struct PolicySet: Sendable {
    public let admin: Identity
    public let policies: [String: Policy]
    /// Identity → policy name.
    public let assignments: [Identity: String]

    public enum Decision: Sendable, Equatable {
        case allowed, denied
    }

    /// Builds the set, rejecting an identity that is the admin or that two policies claim. Empty identities are
    /// skipped. Listing an identity twice under the same policy is harmless and accepted.
    public init(admin: Identity, policies: [(policy: Policy, identities: [Identity])]) throws(PolicySetError) {
        var byName: [String: Policy] = [:]
        var assignments: [Identity: String] = [:]
        assignments.reserveCapacity(policies.reduce(0) { $0 + $1.identities.count })
        for (policy, identities) in policies {
            guard byName.updateValue(policy, forKey: policy.name) == nil else {
                throw .duplicatePolicy(policy.name)
            }
            for identity in identities where !identity.isEmpty {
                if identity == admin { throw .identityIsAdmin(identity) }
                if let existing = assignments[identity] {
                    if existing == policy.name { continue }
                    throw .identityAlreadyAssigned(identity)
                }
                assignments[identity] = policy.name
            }
        }
        self.admin = admin
        self.policies = byName
        self.assignments = assignments
    }

    /// KES's authorization order (docs/compatibility.md, "Policies"): the admin may do anything; an unassigned identity
    /// (or one whose policy is missing) nothing; otherwise its policy decides. The empty identity is never authorized,
    /// even if the admin is configured empty.
    public func authorize(_ identity: Identity, path: Substring) -> Decision {
        guard !identity.isEmpty else { return .denied }
        if identity == admin { return .allowed }
        guard let name = assignments[identity], let policy = policies[name] else { return .denied }
        return policy.permits(path) ? .allowed : .denied
    }

    public func policyName(for identity: Identity) -> String? {
        assignments[identity]
    }

    public func isAdmin(_ identity: Identity) -> Bool {
        !identity.isEmpty && identity == admin
    }
}

/// A config error in the policy section. `description` is the message KES prints.
public enum PolicySetError: Error, Sendable, Equatable, CustomStringConvertible {
    case identityAlreadyAssigned(Identity)
    case identityIsAdmin(Identity)
    case duplicatePolicy(String)

    public var description: String {
        switch self {
        case .identityAlreadyAssigned(let identity): "identity \"\(identity)\" is already assigned"
        case .identityIsAdmin(let identity): "identity \"\(identity)\" is already an admin identity"
        case .duplicatePolicy(let name): "policy \"\(name)\" is defined more than once"
        }
    }
}
