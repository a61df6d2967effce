/// The proto3 wire format, just enough for the stored-key messages in docs/formats.md, "Stored keys".
enum ProtobufWireType: UInt8 {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case fixed32 = 5
}

/// Appends proto3 fields. Scalar fields with the zero value are omitted, as proto3 requires.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    mutating func writeVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func writeTag(field: Int, wireType: ProtobufWireType) {
        writeVarint(UInt64(field) << 3 | UInt64(wireType.rawValue))
    }

    mutating func writeBytes(field: Int, _ value: [UInt8]) {
        guard !value.isEmpty else { return }
        writeTag(field: field, wireType: .lengthDelimited)
        writeVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func writeString(field: Int, _ value: String) {
        writeBytes(field: field, Array(value.utf8))
    }

    mutating func writeUInt32(field: Int, _ value: UInt32) {
        guard value != 0 else { return }
        writeTag(field: field, wireType: .varint)
        writeVarint(UInt64(value))
    }

    /// int32/int64 are sign-extended to 64 bits, so negatives take ten bytes.
    mutating func writeInt64(field: Int, _ value: Int64) {
        guard value != 0 else { return }
        writeTag(field: field, wireType: .varint)
        writeVarint(UInt64(bitPattern: value))
    }

    /// A sub-message is written even when empty: Go emits every non-nil message field.
    mutating func writeMessage(field: Int, _ build: (inout ProtobufWriter) -> Void) {
        var nested = ProtobufWriter()
        build(&nested)
        writeTag(field: field, wireType: .lengthDelimited)
        writeVarint(UInt64(nested.bytes.count))
        bytes.append(contentsOf: nested.bytes)
    }
}

/// Reads proto3 fields one by one; callers skip what they do not know.
struct ProtobufReader {
    enum Field {
        case varint(UInt64)
        case lengthDelimited(ArraySlice<UInt8>)
        /// A fixed-width value; the stored-key messages never use one, so only its presence matters.
        case fixed
    }

    struct MalformedError: Error {}

    private var remaining: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) {
        remaining = bytes
    }

    /// The next field number and value, or nil at the end of the message.
    mutating func next() throws(MalformedError) -> (number: Int, value: Field)? {
        guard !remaining.isEmpty else { return nil }
        let tag = try readVarint()
        let number = tag >> 3
        guard number > 0, number <= 536_870_911 else { throw MalformedError() }
        switch ProtobufWireType(rawValue: UInt8(tag & 7)) {
        case .varint:
            return (Int(number), .varint(try readVarint()))
        case .lengthDelimited:
            let length = try readVarint()
            guard length <= UInt64(remaining.count) else { throw MalformedError() }
            let value = remaining.prefix(Int(length))
            remaining = remaining.dropFirst(Int(length))
            return (Int(number), .lengthDelimited(value))
        case .fixed64:
            try skip(8)
            return (Int(number), .fixed)
        case .fixed32:
            try skip(4)
            return (Int(number), .fixed)
        case nil:
            // Groups (3, 4) are proto2-only and wire types 6 and 7 do not exist.
            throw MalformedError()
        }
    }

    private mutating func skip(_ count: Int) throws(MalformedError) {
        guard remaining.count >= count else { throw MalformedError() }
        remaining = remaining.dropFirst(count)
    }

    private mutating func readVarint() throws(MalformedError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while let byte = remaining.popFirst() {
            guard shift < 64 else { throw MalformedError() }
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        throw MalformedError()
    }
}
