import Foundation
import KESKeyStore
import KESTestSupport
import Testing

/// deploy/grafana/swift-kes.json queries only series the server writes: a renamed or misspelled
/// metric would leave a panel silently empty.
@Suite struct GrafanaDashboardTests {
    static let dashboardPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("deploy/grafana/swift-kes.json").path

    @Test func everyQueriedMetricIsEmitted() async throws {
        let dashboard = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.dashboardPath))) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        var queried: Set<String> = []
        for panel in panels where panel["type"] as? String != "row" {
            let expressions = (panel["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String }
            #expect(!expressions.isEmpty, "panel \(panel["title"] ?? "?") has no query")
            for expression in expressions {
                let names = try Self.metricNames(in: expression)
                #expect(!names.isEmpty, "no metric found in \(expression)")
                queried.formUnion(names)
            }
        }
        let variables = (dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
        for variable in variables {
            let query = (variable["query"] as? [String: Any])?["query"] as? String ?? variable["query"] as? String ?? ""
            if let match = query.firstMatch(of: try Regex(#"label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)"#)) {
                queried.insert(String(try #require(match.output[1].substring)))
            }
        }
        // A sanity check of the extraction itself, so that an extractor that finds nothing cannot pass.
        #expect(queried.isSuperset(of: ["kes_http_response_time_bucket", "kes_http_request_success", "kes_system_up_time"]))

        let emitted = try await Self.emittedSeries()
        #expect(queried.subtracting(emitted).isEmpty, "queried but not emitted: \(queried.subtracting(emitted).sorted())")
    }

    @Test func extractionSkipsFunctionsLabelsAndNumbers() throws {
        let names = try Self.metricNames(in: #"""
            histogram_quantile(0.99, sum by (le, instance) (rate(a_bucket{code=~"5..", le="1"}[$__rate_interval] offset 1h)))
              / on (instance) group_left (job) clamp_min(b_total, 1e-9) > bool 0 or vector(0) and c
            """#)
        #expect(names == ["a_bucket", "b_total", "c"])
    }

    /// The metric names a PromQL expression selects: identifiers left once strings, label
    /// matchers, ranges, grouping clauses, numbers, functions and keywords are taken out.
    static func metricNames(in expression: String) throws -> Set<String> {
        var text = expression
        for pattern in [
            #""(?:[^"\\]|\\.)*""#, #"\{[^}]*\}"#, #"\[[^\]]*\]"#,
            #"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)"#, #"\boffset\s+-?[0-9A-Za-z]+"#,
        ] {
            text = text.replacing(try Regex(pattern), with: " ")
        }
        let keywords: Set<String> = [
            "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
            "inf", "nan", "atan2",
        ]
        var names: Set<String> = []
        let token = try Regex(#"(\$?[A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?|[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?"#)
        for match in text.matches(of: token) {
            guard let name = match.output[1].substring, match.output[2].substring == nil else { continue }
            if name.hasPrefix("$") || keywords.contains(name.lowercased()) { continue }
            names.insert(String(name))
        }
        return names
    }

    /// The series names in `/v1/metrics` once every request counter exists: a 2xx, a 4xx and a
    /// 5xx (a key store that refuses), since a counter appears only after its first status code.
    static func emittedSeries() async throws -> Set<String> {
        let server = try await TestServer(keyStore: RefusingCreates())
        defer { server.stop() }
        let client = try server.client()
        #expect(try await client.put("/v1/key/create/k").status == 200)
        #expect(try await client.put("/v1/key/create/k").status == 400)
        #expect((500..<600).contains(try await client.put("/v1/key/create/refused-k").status))
        let body = try await client.get("/v1/metrics").body
        return Set(
            body.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
                String(line.prefix { $0 != "{" && $0 != " " })
            })
    }
}

/// A memory store whose backend refuses creates of names starting with `refused-`, as a key
/// store that is down would.
private final class RefusingCreates: KeyStore {
    private let base = MemoryKeyStore()
    var kind: String { "mem" }

    func create(_ name: String, value: [UInt8]) async throws {
        if name.hasPrefix("refused-") { throw KeyStoreError.unreachable("test: connection refused") }
        try await base.create(name, value: value)
    }

    func get(_ name: String) async throws -> [UInt8] { try await base.get(name) }
    func delete(_ name: String) async throws { try await base.delete(name) }
    func list(prefix: String, startingAt start: String, limit: Int) async throws -> KeyListPage {
        try await base.list(prefix: prefix, startingAt: start, limit: limit)
    }
    func status() async throws { try await base.status() }
    func close() async { await base.close() }
}
