import KESCore
import Testing

@Suite struct GoDurationTests {
    @Test(arguments: [
        ("0", Duration.zero),
        ("0s", .zero),
        ("-0", .zero),
        ("5m", .seconds(300)),
        ("5m0s", .seconds(300)),
        ("30s", .seconds(30)),
        ("1h30m", .seconds(5400)),
        ("1.5h", .seconds(5400)),
        ("500ms", .milliseconds(500)),
        ("2us", .microseconds(2)),
        ("2µs", .microseconds(2)),
        ("2μs", .microseconds(2)),
        ("7ns", .nanoseconds(7)),
        (".5s", .milliseconds(500)),
        ("1.s", .seconds(1)),
        ("+10s", .seconds(10)),
        ("-1m", .seconds(-60)),
        ("1h2m3s4ms5us6ns", .nanoseconds(3_723_004_005_006)),
        ("9223372036854775807ns", .nanoseconds(Int64.max)),
        ("-9223372036854775808ns", .nanoseconds(Int64.min)),
    ])
    func parsesGoSyntax(text: String, expected: Duration) throws {
        #expect(try parseGoDuration(text) == expected)
    }

    @Test(arguments: [
        "", "5", "5x", "m", "-", "+", ".", "1..5s", "s5", "5 m", " 5m", "1h 30m",
        "9223372036854775808ns", "106751992h", "1e3s",
    ])
    func rejectsInvalidText(text: String) {
        #expect(throws: GoDurationError.self) { try parseGoDuration(text) }
    }

    @Test func errorNamesTheText() {
        do {
            _ = try parseGoDuration("5x")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "invalid duration \"5x\"")
        }
    }
}
