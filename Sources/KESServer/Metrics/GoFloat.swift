/// Numbers as KES writes them in `/v1/metrics`: Go's Prometheus client formats every sample
/// value and every `le` bound with `strconv.FormatFloat(v, 'g', -1, 64)`. Recording rules and
/// dashboards that match label text (`le="1"`) depend on the exact spelling, which differs from
/// Swift's (`1.0`).
enum GoFloat {
    /// `strconv.FormatFloat(value, 'g', -1, 64)`: the shortest digits that read back as `value`,
    /// in exponent form (`1e-05`, `2.300387e+06`) when the decimal exponent is below -4 or at
    /// least 6, otherwise plain (`0.01`, `1`, `123456`); `+Inf`, `-Inf`, `NaN`.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        let sign = value.sign == .minus ? "-" : ""
        if value == 0 { return sign + "0" }
        // Swift's description also prints the shortest round-tripping digits, in either
        // "123.45" or "1.2345e+16" form; only the layout around them differs from Go's.
        let text = value.magnitude.description
        let parts = text.split(separator: "e", maxSplits: 1)
        let exponent = parts.count == 2 ? Int(parts[1]) ?? 0 : 0
        let mantissa = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        let integral = mantissa[0]
        let fraction = mantissa.count > 1 ? mantissa[1] : ""
        var digits = Array((integral + fraction).utf8)
        // The decimal point sits after `point` digits of `digits`.
        var point = integral.count + exponent
        while digits.first == UInt8(ascii: "0") {
            digits.removeFirst()
            point -= 1
        }
        while digits.last == UInt8(ascii: "0") {
            digits.removeLast()
        }
        let decimalExponent = point - 1
        if decimalExponent < -4 || decimalExponent >= 6 {
            var out = sign + String(decoding: digits[0...0], as: UTF8.self)
            if digits.count > 1 {
                out += "." + String(decoding: digits[1...], as: UTF8.self)
            }
            let magnitude = abs(decimalExponent)
            out += (decimalExponent < 0 ? "e-" : "e+") + (magnitude < 10 ? "0" : "") + String(magnitude)
            return out
        }
        var out = sign
        if point > 0 {
            for index in 0..<point {
                out.append(index < digits.count ? Character(UnicodeScalar(digits[index])) : "0")
            }
        } else {
            out += "0"
        }
        if digits.count > point {
            out += "."
            for index in point..<digits.count {
                out.append(index < 0 ? "0" : Character(UnicodeScalar(digits[index])))
            }
        }
        return out
    }
}
