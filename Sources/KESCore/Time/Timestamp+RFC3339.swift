extension Timestamp {
    /// RFC 3339 in UTC with a `Z` suffix and the shortest exact fraction, matching Go's
    /// `time.RFC3339Nano` output (e.g. `2023-10-03T00:48:37.12Z`, `0001-01-01T00:00:00Z`).
    public var rfc3339: String {
        let (days, secondOfDay) = seconds.floorDivided(by: 86_400)
        let date = CivilDate(daysSinceEpoch: days)
        var out = [UInt8]()
        out.reserveCapacity(32)

        var year = date.year
        if year < 0 {
            out.append(UInt8(ascii: "-"))
            year = -year
        }
        appendDigits(year, minimumWidth: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(date.month, minimumWidth: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(date.day, minimumWidth: 2, to: &out)
        out.append(UInt8(ascii: "T"))
        appendDigits(secondOfDay / 3600, minimumWidth: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(secondOfDay / 60 % 60, minimumWidth: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(secondOfDay % 60, minimumWidth: 2, to: &out)

        if nanoseconds > 0 {
            var fraction = Int64(nanoseconds)
            var width = 9
            while fraction % 10 == 0 {
                fraction /= 10
                width -= 1
            }
            out.append(UInt8(ascii: "."))
            appendDigits(fraction, minimumWidth: width, to: &out)
        }
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses an RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS`, an optional fraction (digits past
    /// the ninth are truncated, as Go does) and `Z` or a `±hh:mm` offset. `T` and `Z` may be
    /// lowercase, as RFC 3339 allows.
    public init?(rfc3339 text: String) {
        var text = text
        let parsed: Timestamp? = text.withUTF8 { Timestamp.parseRFC3339(UnsafeRawBufferPointer($0)) }
        guard let parsed else { return nil }
        self = parsed
    }

    static func parseRFC3339(_ bytes: UnsafeRawBufferPointer) -> Timestamp? {
        var cursor = 0

        func number(width: Int) -> Int64? {
            guard cursor + width <= bytes.count else { return nil }
            var value: Int64 = 0
            for index in cursor..<(cursor + width) {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int64(digit)
            }
            cursor += width
            return value
        }
        func expect(_ characters: UInt8...) -> Bool {
            guard cursor < bytes.count, characters.contains(bytes[cursor]) else { return false }
            cursor += 1
            return true
        }

        guard let year = number(width: 4), expect(UInt8(ascii: "-")),
              let month = number(width: 2), expect(UInt8(ascii: "-")),
              let day = number(width: 2), expect(UInt8(ascii: "T"), UInt8(ascii: "t")),
              let hour = number(width: 2), expect(UInt8(ascii: ":")),
              let minute = number(width: 2), expect(UInt8(ascii: ":")),
              let second = number(width: 2)
        else { return nil }

        guard (1...12).contains(month), day >= 1, day <= CivilDate.daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 60
        else { return nil }

        var nanos: Int64 = 0
        if cursor < bytes.count, bytes[cursor] == UInt8(ascii: ".") {
            cursor += 1
            var digits = 0
            while cursor < bytes.count {
                let digit = bytes[cursor] &- UInt8(ascii: "0")
                guard digit < 10 else { break }
                if digits < 9 { nanos = nanos * 10 + Int64(digit) }
                digits += 1
                cursor += 1
            }
            guard digits > 0 else { return nil }
            for _ in min(digits, 9)..<9 { nanos *= 10 }
        }

        var offsetSeconds: Int64 = 0
        guard cursor < bytes.count else { return nil }
        switch bytes[cursor] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            cursor += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign: Int64 = bytes[cursor] == UInt8(ascii: "-") ? -1 : 1
            cursor += 1
            guard let offsetHours = number(width: 2), expect(UInt8(ascii: ":")),
                  let offsetMinutes = number(width: 2),
                  offsetHours < 24, offsetMinutes < 60
            else { return nil }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        default:
            return nil
        }
        guard cursor == bytes.count else { return nil }

        let days = CivilDate(year: year, month: month, day: day).daysSinceEpoch
        let local = days * 86_400 + hour * 3600 + minute * 60 + second
        return Timestamp(seconds: local - offsetSeconds, nanoseconds: Int32(nanos))
    }
}

@inline(__always)
private func appendDigits(_ value: Int64, minimumWidth: Int, to out: inout [UInt8]) {
    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                 UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var count = 0
    var remaining = value
    withUnsafeMutableBytes(of: &digits) { buffer in
        repeat {
            buffer[count] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
            count += 1
        } while remaining > 0
    }
    if count < minimumWidth {
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: minimumWidth - count))
    }
    withUnsafeBytes(of: &digits) { buffer in
        for index in stride(from: count - 1, through: 0, by: -1) {
            out.append(buffer[index])
        }
    }
}
