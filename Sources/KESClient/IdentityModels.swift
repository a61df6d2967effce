import Foundation

/// An identity as the server sees it, from `describe` or `self/describe`.
public struct IdentityInfo: Codable, Sendable, Equatable {
    /// The identity (hex SHA-256 of the certificate's public key). Empty from `describe`,
    /// which does not repeat it unless the caller fills it in.
    public var identity: String
    public var isAdmin: Bool
    /// The name of the policy the identity is assigned to; empty for the admin.
    public var policy: String
    /// The policy's rules; only `self/describe` returns them.
    public var allow: [String]
    public var deny: [String]
    public var createdAt: Date?
    public var createdBy: String

    enum CodingKeys: String, CodingKey {
        case identity, isAdmin = "admin", policy, allow, deny, createdAt = "created_at", createdBy = "created_by"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        identity = try c.decodeIfPresent(String.self, forKey: .identity) ?? ""
        isAdmin = try c.decodeIfPresent(Bool.self, forKey: .isAdmin) ?? false
        // Later KES versions nest a policy object here; only its name is kept then.
        if let name = try? c.decodeIfPresent(String.self, forKey: .policy) {
            policy = name
        } else {
            policy = ""
        }
        allow = try Self.patterns(c, .allow)
        deny = try Self.patterns(c, .deny)
        createdAt = try c.decodeIfPresent(Date.self, forKey: .createdAt)
        createdBy = try c.decodeIfPresent(String.self, forKey: .createdBy) ?? ""
    }

    private static func patterns(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> [String] {
        if let object = try? c.decodeIfPresent([String: Policy.EmptyObject].self, forKey: key) { return object.keys.sorted() }
        return (try? c.decodeIfPresent([String].self, forKey: key)) ?? []
    }
}
