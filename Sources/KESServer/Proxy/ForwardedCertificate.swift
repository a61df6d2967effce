import KESCore
import X509

/// The client certificate a TLS proxy forwards: URL-encoded PEM, read as KES reads it (Go's
/// `url.QueryUnescape`, then the first PEM block, which must be a `CERTIFICATE`).
struct ForwardedCertificate {
    let certificate: Certificate
    let identity: Identity

    /// - Throws: 400 `invalid client certificate` for anything but one parseable certificate.
    init(headerValue: String) throws(RequestError) {
        guard let pem = Self.queryUnescape(Array(headerValue.utf8)),
            let der = Self.firstPEMBlock(pem, type: "CERTIFICATE"),
            let certificate = try? Certificate(derEncoded: der),
            let identity = try? Identity(certificateDER: der)
        else { throw RequestError.invalidCertificate }
        self.certificate = certificate
        self.identity = identity
    }

    /// Go's `url.QueryUnescape`: `+` is a space and `%XX` a byte; a `%` without two hex digits
    /// fails the whole value.
    static func queryUnescape(_ bytes: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "%"):
                guard index + 2 < bytes.count, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) else {
                    return nil
                }
                out.append(high << 4 | low)
                index += 3
            case UInt8(ascii: "+"):
                out.append(UInt8(ascii: " "))
                index += 1
            case let byte:
                out.append(byte)
                index += 1
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The bytes of the first well-formed PEM block, when it has type `type`. As Go's
    /// `pem.Decode`: text around the block is skipped, a malformed candidate is passed over,
    /// and header lines (`Proc-Type: …`) before the body are allowed.
    static func firstPEMBlock(_ text: [UInt8], type wanted: String) -> [UInt8]? {
        let begin = Array("-----BEGIN ".utf8)
        var searchFrom = 0
        while let start = find(begin, in: text, from: searchFrom) {
            searchFrom = start + begin.count
            let (typeLine, afterType) = line(in: text, from: searchFrom)
            guard typeLine.count >= 5, typeLine.suffix(5).allSatisfy({ $0 == UInt8(ascii: "-") }) else { continue }
            let type = Array(typeLine.dropLast(5))
            var bodyStart = afterType
            var sawHeader = false
            while bodyStart < text.count {
                let (candidate, next) = line(in: text, from: bodyStart)
                guard candidate.contains(UInt8(ascii: ":")) else { break }
                sawHeader = true
                bodyStart = next
            }
            let end = Array("-----END ".utf8) + type + Array("-----".utf8)
            guard let endStart = find(end, in: text, from: bodyStart),
                sawHeader ? endStart > bodyStart : true,
                line(in: text, from: endStart + end.count).line.isEmpty,
                let bytes = Base64.decode(text[bodyStart..<endStart].filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") })
            else { continue }
            return type.elementsEqual(wanted.utf8) ? bytes : nil
        }
        return nil
    }

    /// The first occurrence of `needle` at or after `from` that starts the text or a line.
    private static func find(_ needle: [UInt8], in text: [UInt8], from: Int) -> Int? {
        var index = from
        while index + needle.count <= text.count {
            if (index == 0 || text[index - 1] == UInt8(ascii: "\n")) && text[index..<(index + needle.count)].elementsEqual(needle) {
                return index
            }
            index += 1
        }
        return nil
    }

    /// The line starting at `from` without its newline and trailing spaces, tabs and CRs (Go's
    /// `getLine`), and where the next line starts.
    private static func line(in text: [UInt8], from: Int) -> (line: ArraySlice<UInt8>, next: Int) {
        let newline = text[from...].firstIndex(of: UInt8(ascii: "\n"))
        var line = text[from..<(newline ?? text.count)]
        while let last = line.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") || last == UInt8(ascii: "\r") {
            line = line.dropLast()
        }
        return (line, newline.map { $0 + 1 } ?? text.count)
    }
}
