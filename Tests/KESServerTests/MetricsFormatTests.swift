import Foundation
import KESTestSupport
import Testing

@testable import KESServer

/// `/v1/metrics` spells numbers as KES does (Go's `strconv.FormatFloat(v, 'g', -1, 64)`), so that
/// recording rules and dashboards that match `le` label text work against either server.
@Suite struct MetricsFormatTests {
    /// Expected texts are what Go's FormatFloat prints for the same float64.
    @Test(arguments: [
        (0.005, "0.005"), (0.01, "0.01"), (0.05, "0.05"), (0.1, "0.1"), (0.25, "0.25"), (0.5, "0.5"),
        (1, "1"), (1.5, "1.5"), (3, "3"), (10, "10"), (100, "100"), (123_456, "123456"),
        (1e6, "1e+06"), (2_300_387, "2.300387e+06"), (12_345_678, "1.2345678e+07"), (1e21, "1e+21"),
        (0.0001, "0.0001"), (0.00001, "1e-05"), (0.000123, "0.000123"), (0.0000123, "1.23e-05"),
        (3503.8908393496145, "3503.8908393496145"), (0.1 + 0.2, "0.30000000000000004"),
        (0, "0"), (-0.0, "-0"), (-1.5, "-1.5"), (-2e-7, "-2e-07"), (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"), (Double.nan, "NaN"),
    ] as [(Double, String)])
    func goFloatFormat(value: Double, expected: String) {
        #expect(GoFloat.format(value) == expected)
    }

    /// The family exactly as Go's client writes it: cumulative counts, integer-valued floats
    /// without a fraction, the sum in shortest form.
    @Test func histogramText() {
        let histogram = GoHistogram(name: "h", help: "Help.", bounds: [0.01, 0.5, 1, 10])
        histogram.record(.milliseconds(10))  // on a bound: counted in that bucket, as in Go
        histogram.record(.milliseconds(250))
        histogram.record(.seconds(1))
        histogram.record(.seconds(20))
        var buffer: [UInt8] = []
        histogram.emit(into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == """
            # HELP h Help.
            # TYPE h histogram
            h_bucket{le="0.01"} 1
            h_bucket{le="0.5"} 2
            h_bucket{le="1"} 3
            h_bucket{le="10"} 3
            h_bucket{le="+Inf"} 4
            h_sum 21.26
            h_count 4

            """)
    }

    /// KES's `kes_http_response_time` family over a live server: the bucket labels and their order,
    /// the help and type lines, and `_sum`/`_count` matching the `+Inf` bucket.
    @Test func responseTimeFamilyAsKESWritesIt() async throws {
        let server = try await TestServer()
        defer { server.stop() }
        let client = try server.client()
        for _ in 0..<3 { #expect(try await client.get("/v1/status").status == 200) }
        let body = try await client.get("/v1/metrics").body
        let lines = body.split(separator: "\n").map(String.init)

        #expect(lines.contains("# HELP kes_http_response_time Histogram of request response times spawning from 10ms to 10s."))
        #expect(lines.contains("# TYPE kes_http_response_time histogram"))
        let buckets = lines.filter { $0.hasPrefix("kes_http_response_time_bucket{") }
        let labels = buckets.map { line in
            String(line.drop { $0 != "{" }.prefix { $0 != "}" }.dropFirst())
        }
        #expect(labels == [
            #"le="0.01""#, #"le="0.05""#, #"le="0.1""#, #"le="0.25""#, #"le="0.5""#, #"le="1""#,
            #"le="1.5""#, #"le="3""#, #"le="5""#, #"le="10""#, #"le="+Inf""#,
        ])
        let counts = buckets.compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
        #expect(counts.count == buckets.count)
        #expect(counts == counts.sorted(), "bucket counts are cumulative")
        #expect(counts.last ?? 0 >= 3)
        let count = lines.first { $0.hasPrefix("kes_http_response_time_count ") }
        #expect(count == "kes_http_response_time_count \(GoFloat.format(counts.last ?? -1))")
        #expect(lines.contains { $0.hasPrefix("kes_http_response_time_sum ") })
        #expect(!body.contains(".0\""), "no bound spelled with a trailing .0")
    }
}
