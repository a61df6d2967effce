/// A named set of allow and deny path patterns (kes-api.md §9).
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
        for pattern in deny where pattern.matches(path) {
            return false
        }
        for pattern in allow where pattern.matches(path) {
            return true
        }
        return false
    }
}
