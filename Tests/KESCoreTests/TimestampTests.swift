import Foundation
import Testing
@testable import KESCore

@Suite struct TimestampTests {
    @Test func zeroIsGosZeroTime() {
        #expect(Timestamp.zero.rfc3339 == "0001-01-01T00:00:00Z")
        #expect(Timestamp(rfc3339: "0001-01-01T00:00:00Z") == .zero)
        #expect(Timestamp.zero.isZero)
    }

    @Test(arguments: [
        (Int64(0), Int32(0), "1970-01-01T00:00:00Z"),
        (1_696_294_117, 120_000_000, "2023-10-03T00:48:37.12Z"),
        (1_705_055_960, 886_816_000, "2024-01-12T10:39:20.886816Z"),
        (1_696_497_164, 123_456_789, "2023-10-05T09:12:44.123456789Z"),
        (1_696_497_164, 1, "2023-10-05T09:12:44.000000001Z"),
        (-1, 500_000_000, "1969-12-31T23:59:59.5Z"),
        (951_782_400, 0, "2000-02-29T00:00:00Z"),
        (253_402_300_799, 999_999_999, "9999-12-31T23:59:59.999999999Z"),
    ])
    func formatsAndParses(seconds: Int64, nanoseconds: Int32, text: String) {
        let timestamp = Timestamp(seconds: seconds, nanoseconds: nanoseconds)
        #expect(timestamp.rfc3339 == text)
        #expect(Timestamp(rfc3339: text) == timestamp)
    }

    @Test func formattingAgreesWithFoundationAcrossCenturies() {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            // Foundation's Gregorian calendar switches to Julian before 1582, so stay after it.
            let seconds = Int64.random(in: -12_000_000_000...253_402_300_799, using: &generator)
            let timestamp = Timestamp(seconds: seconds, nanoseconds: 0)
            let expected = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            #expect(timestamp.rfc3339 == expected)
            #expect(Timestamp(rfc3339: expected) == timestamp)
        }
    }

    @Test func parsesOffsetsIntoUTC() {
        #expect(Timestamp(rfc3339: "2024-01-12T11:39:20.886816+01:00") == Timestamp(seconds: 1_705_055_960, nanoseconds: 886_816_000))
        #expect(Timestamp(rfc3339: "2024-01-12T05:09:20.886816-05:30") == Timestamp(seconds: 1_705_055_960, nanoseconds: 886_816_000))
        #expect(Timestamp(rfc3339: "1970-01-01T00:00:00+00:00") == Timestamp(seconds: 0, nanoseconds: 0))
        #expect(Timestamp(rfc3339: "1970-01-01T00:00:00-00:00") == Timestamp(seconds: 0, nanoseconds: 0))
        #expect(Timestamp(rfc3339: "1970-01-01t00:00:00z") == Timestamp(seconds: 0, nanoseconds: 0))
    }

    @Test func fractionsBeyondNanosecondsAreTruncated() {
        #expect(Timestamp(rfc3339: "1970-01-01T00:00:00.1234567891Z") == Timestamp(seconds: 0, nanoseconds: 123_456_789))
        #expect(Timestamp(rfc3339: "1970-01-01T00:00:00.100Z")?.rfc3339 == "1970-01-01T00:00:00.1Z")
        #expect(Timestamp(rfc3339: "1970-01-01T00:00:00.000Z")?.rfc3339 == "1970-01-01T00:00:00Z")
    }

    @Test(arguments: [
        "", "2023-10-03", "2023-10-03T00:48:37", "2023-10-03 00:48:37Z", "2023-10-03T00:48:37.Z",
        "2023-10-03T00:48:37ZZ", "2023-13-01T00:00:00Z", "2023-00-01T00:00:00Z", "2023-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z", "2023-04-31T00:00:00Z", "2023-10-03T24:00:00Z", "2023-10-03T00:60:00Z",
        "2023-10-03T00:00:60Z", "2023-10-03T00:00:00+0100", "2023-10-03T00:00:00+24:00", "2023-10-03T00:00:00+01",
        "23-10-03T00:00:00Z", "2023-1-03T00:00:00Z", "+2023-10-03T00:00:00Z", "2023-10-03T00:00:00.12a Z",
        " 2023-10-03T00:00:00Z", "２０２３-10-03T00:00:00Z",
    ])
    func rejectsMalformedText(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test func leapDays() {
        #expect(Timestamp(rfc3339: "2024-02-29T12:00:00Z") != nil)
        #expect(Timestamp(rfc3339: "2000-02-29T12:00:00Z") != nil)
        #expect(Timestamp(rfc3339: "2100-02-29T12:00:00Z") == nil)
    }

    @Test func initializerNormalizesNanoseconds() {
        #expect(Timestamp(seconds: 10, nanoseconds: 1_500_000_000) == Timestamp(seconds: 11, nanoseconds: 500_000_000))
        #expect(Timestamp(seconds: 10, nanoseconds: -1) == Timestamp(seconds: 9, nanoseconds: 999_999_999))
    }

    @Test func ordering() {
        let early = Timestamp(seconds: 5, nanoseconds: 999_999_999)
        let late = Timestamp(seconds: 6, nanoseconds: 0)
        #expect(early < late)
        #expect(Timestamp(seconds: 6, nanoseconds: 1) > late)
        #expect(Timestamp.zero < Timestamp(seconds: 0, nanoseconds: 0))
    }

    @Test func nowIsCurrent() {
        let now = Timestamp.now()
        let foundation = Date().timeIntervalSince1970
        #expect(abs(Double(now.seconds) - foundation) < 5)
        #expect((0..<1_000_000_000).contains(now.nanoseconds))
    }

    /// Nanoseconds outside 0..<1e9 carry into the seconds; at the ends of Int64 that carry used to
    /// trap, and a stored key carries whatever seconds its file says.
    @Test func aCarryPastTheEndsOfTheRangeSaturates() {
        let low = Timestamp(seconds: .min, nanoseconds: -1)
        #expect(low.seconds == .min)
        #expect(low.nanoseconds == 0)
        let high = Timestamp(seconds: .max, nanoseconds: 1_500_000_000)
        #expect(high.seconds == .max)
        #expect(high.nanoseconds == 999_999_999)
        #expect(Timestamp(seconds: 5, nanoseconds: -1) == Timestamp(seconds: 4, nanoseconds: 999_999_999))
    }

    /// The protobuf stored key the fuzzer's reading of the code produced: `created_at` with
    /// seconds = Int64.min and nanos = -1. It must parse (or be refused), never crash.
    @Test func aStoredKeyWithAnExtremeCreationTimeDoesNotCrash() throws {
        let text = "CiQKIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEAEaFgiAgICAgICAgIABEP///////////wE="
        let bytes = try #require(Data(base64Encoded: text))
        let key = try StoredKey.parseProtobuf(Array(bytes))
        #expect(key.createdAt.seconds == .min)
    }
}
