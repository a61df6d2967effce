import Foundation
import Testing
@testable import KESCore

@Suite struct TimestampConversionTests {
    @Test func codableUsesRFC3339Strings() throws {
        struct Wrapper: Codable, Equatable { var created_at: Timestamp }
        let value = Wrapper(created_at: Timestamp(seconds: 1_705_055_960, nanoseconds: 886_816_000))
        let json = try JSONEncoder().encode(value)
        #expect(String(decoding: json, as: UTF8.self) == #"{"created_at":"2024-01-12T10:39:20.886816Z"}"#)
        #expect(try JSONDecoder().decode(Wrapper.self, from: json) == value)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Wrapper.self, from: Data(#"{"created_at":"soon"}"#.utf8))
        }
    }

    @Test func dateConversions() {
        let timestamp = Timestamp(seconds: 1_705_055_960, nanoseconds: 500_000_000)
        #expect(timestamp.date.timeIntervalSince1970 == 1_705_055_960.5)
        #expect(Timestamp(timestamp.date) == timestamp)
        #expect(Timestamp(Date(timeIntervalSince1970: -0.25)) == Timestamp(seconds: -1, nanoseconds: 750_000_000))
        #expect(timestamp.description == "2024-01-12T10:39:20.5Z")
    }
}
