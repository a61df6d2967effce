import Foundation

/// A policy's metadata, from `GET /v1/policy/describe/<name>`.
public struct PolicyInfo: Codable, Sendable, Equatable {
    public var name: String
    public var createdAt: Date?
    public var createdBy: String

    enum CodingKeys: String, CodingKey { case name, createdAt = "created_at", createdBy = "created_by" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        createdAt = try c.decodeIfPresent(Date.self, forKey: .createdAt)
        createdBy = try c.decodeIfPresent(String.self, forKey: .createdBy) ?? ""
    }
}

/// A policy's rules, from `GET /v1/policy/read/<name>`.
public struct Policy: Codable, Sendable, Equatable {
    public var name: String
    /// Path patterns the policy allows, sorted.
    public var allow: [String]
    /// Path patterns the policy denies, sorted; deny wins.
    public var deny: [String]
    public var createdAt: Date?
    public var createdBy: String

    enum CodingKeys: String, CodingKey { case name, allow, deny, createdAt = "created_at", createdBy = "created_by" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        allow = try Self.patterns(c, .allow)
        deny = try Self.patterns(c, .deny)
        createdAt = try c.decodeIfPresent(Date.self, forKey: .createdAt)
        createdBy = try c.decodeIfPresent(String.self, forKey: .createdBy) ?? ""
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(Dictionary(uniqueKeysWithValues: allow.map { ($0, [String: String]()) }), forKey: .allow)
        try c.encode(Dictionary(uniqueKeysWithValues: deny.map { ($0, [String: String]()) }), forKey: .deny)
        try c.encodeIfPresent(createdAt, forKey: .createdAt)
        try c.encode(createdBy, forKey: .createdBy)
    }

    /// KES writes rules as `{"<pattern>":{}}`; a list is accepted too.
    static func patterns(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> [String] {
        if let object = try? c.decodeIfPresent([String: EmptyObject].self, forKey: key) { return object.keys.sorted() }
        return try c.decodeIfPresent([String].self, forKey: key) ?? []
    }

    struct EmptyObject: Codable {}
}
