import KESCore

/// Builds JSON responses by appending bytes; strings are escaped like Go's encoding/json
/// (`JSONStringWriter`) so that output matches what KES clients have always seen.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = []

    init(capacity: Int = 128) {
        bytes.reserveCapacity(capacity)
    }

    mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma.append(false)
    }

    mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma.removeLast()
    }

    mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma.append(false)
    }

    mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma.removeLast()
    }

    mutating func key(_ name: String) {
        separate()
        appendString(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma[needsComma.count - 1] = false
    }

    mutating func string(_ value: String) {
        separate()
        appendString(value)
    }

    mutating func field(_ name: String, _ value: String) {
        key(name)
        string(value)
    }

    /// A byte field as base64, written straight into the output.
    mutating func base64Field(_ name: String, _ value: [UInt8]) {
        key(name)
        separate()
        bytes.append(UInt8(ascii: "\""))
        Base64.encode(value, appendingTo: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func field(_ name: String, _ value: Int) {
        key(name)
        raw(String(value))
    }

    mutating func field(_ name: String, _ value: Bool) {
        key(name)
        raw(value ? "true" : "false")
    }

    mutating func raw(_ text: String) {
        separate()
        bytes.append(contentsOf: text.utf8)
    }

    /// Marks the position after a value so the next value gets a comma.
    private mutating func separate() {
        guard !needsComma.isEmpty else { return }
        if needsComma[needsComma.count - 1] {
            bytes.append(UInt8(ascii: ","))
        }
        needsComma[needsComma.count - 1] = true
    }

    private mutating func appendString(_ value: String) {
        JSONStringWriter.append(value, to: &bytes)
    }

    /// `{"message":"…"}`, the body of every error.
    static func message(_ text: String) -> [UInt8] {
        var out: [UInt8] = Array(#"{"message":"#.utf8)
        JSONStringWriter.append(text, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }
}
