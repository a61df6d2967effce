import Testing

/// A walk as the KES Go SDK's `ListIter` and MinIO do it: the next request's argument is `continue_at`.
public enum GoStyleWalk {
    public struct Result: Sendable {
        public var names: [String] = []
        public var pages = 0
        /// The largest response body, in bytes.
        public var largestPage = 0
    }

    public static func run(_ client: TestClient, route: String, argument: String, field: String = "names") async throws -> Result {
        var result = Result()
        var argument = argument
        repeat {
            let reply = try await client.get(route + argument)
            try #require(reply.status == 200, "\(route)\(argument): \(reply.status) \(reply.body)")
            let json = try reply.jsonObject()
            let names = try #require(json[field] as? [String])
            #expect(names.count <= 1000)
            result.names += names
            result.pages += 1
            result.largestPage = max(result.largestPage, reply.body.utf8.count)
            argument = json["continue_at"] as? String ?? ""
        } while !argument.isEmpty && result.pages < 100
        #expect(Set(result.names).count == result.names.count, "a name was listed twice")
        return result
    }
}
