/// A named set of allow and deny path patterns (docs/compatibility.md, "Policies").
public struct Policy: Sendable {
    public let name: String
    public let allow: [PathPattern]
    public let deny: [PathPattern]

    public init(name: String, allow: [String], deny: [String]) {
        self.name = name
        self.allow = allow.map(PathPattern.init)
        self.deny = deny.map(PathPattern.init)
    }

    /// Deny wins; otherwise any matching allow pattern permits; otherwise the path is not permitted.
    public func permits(_ path: Substring) -> Bool {
        // The path's bytes are fetched once for all rules, and rules are visited in place: a
        // copied-out pattern cost four retains and releases per rule.
        PathPattern.withBytes(of: path) { bytes in
            for index in deny.indices where deny[index].matches(bytes: bytes) {
                return false
            }
            for index in allow.indices where allow[index].matches(bytes: bytes) {
                return true
            }
            return false
        }
    }
}
