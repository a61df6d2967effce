import FuzzSupport
import KESCore

@testable import KESServer

// Untrusted request bodies (`{"plaintext":"…","context":"…"}`) through JSONObjectFields and the
// server's JSONBody. Whatever parses is written back as JSON (strings and nulls kept, other
// values replaced by a number) and must parse to the same members; JSONBody must agree with the
// object it wraps.

private let fieldNames = ["plaintext", "ciphertext", "context", "key", "cipher", "bytes", "PlainText", ""]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONBody(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let object = JSONObjectFields(parsing: bytes)
    let body = try? JSONBody(bytes)
    let blank = bytes.allSatisfy { [0x20, 0x09, 0x0A, 0x0D].contains($0) }
    require((body != nil) == (blank || object != nil), "JSONBody accepts what JSONObjectFields rejects, or the reverse")

    if let object {
        let rewritten = JSONObjectFields(parsing: write(object.members))
        require(rewritten != nil, "a rewritten object does not parse")
        require(rewritten!.members.elementsEqual(object.members) { $0.name == $1.name && $0.value == $1.value }, "members changed")
    }

    if let body {
        for name in fieldNames {
            let value = object?.value(for: name)
            switch value {
            case nil, .null?:
                require((try? body.string(name)) == .some(nil), "absent field \(name) is not nil")
                require((try? body.bytes(name)) == [], "absent field \(name) is not empty")
            case .string(let text)?:
                require((try? body.string(name)) == text, "string field \(name) differs")
                let decoded = Base64.decode(text)
                require((try? body.bytes(name)) == decoded, "byte field \(name) differs")
                if let decoded {
                    require(Base64.decode(Base64.encode(decoded)) == decoded, "base64 round trip")
                }
            case .other?:
                require((try? body.string(name)) == nil, "non-string field \(name) read as a string")
            }
        }
    }
    return 0
}

private func write(_ members: [(name: String, value: JSONObjectFields.Value)]) -> [UInt8] {
    var out: [UInt8] = [UInt8(ascii: "{")]
    for (index, member) in members.enumerated() {
        if index > 0 { out.append(UInt8(ascii: ",")) }
        JSONStringWriter.append(member.name, to: &out)
        out.append(UInt8(ascii: ":"))
        switch member.value {
        case .string(let text): JSONStringWriter.append(text, to: &out)
        case .null: out.append(contentsOf: "null".utf8)
        case .other: out.append(contentsOf: "[0,{\"a\":true}]".utf8)
        }
    }
    out.append(UInt8(ascii: "}"))
    return out
}

@main
enum Main {
    static func main() {
        runLibFuzzer(fuzzJSONBody)
    }
}
