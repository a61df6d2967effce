/// A precompiled Go `path.Match` pattern.
///
/// The pattern is split into chunks the way Go splits it: each chunk is an optional leading `*` followed by
/// single-character matchers. Matching follows Go's algorithm, including its choice of the first position where a
/// starred chunk fits (Go does not backtrack into earlier chunks), so results agree with KES even in odd corners.
struct GlobProgram: Sendable {
    enum Token: Sendable {
        case byte(UInt8)
        case anyCharacter
        case characterClass(Int)
    }

    struct Chunk: Sendable {
        var leadingStar: Bool
        var tokens: Range<Int>
    }

    struct CharacterClass: Sendable {
        var negated: Bool
        /// Inclusive scalar ranges; Go accepts lo > hi, which simply never matches.
        var ranges: [(lo: UInt32, hi: UInt32)]

        func contains(_ scalar: UInt32) -> Bool {
            var inRange = false
            for range in ranges where range.lo <= scalar && scalar <= range.hi {
                inRange = true
                break
            }
            return inRange != negated
        }
    }

    private let chunks: [Chunk]
    private let tokens: [Token]
    private let classes: [CharacterClass]

    /// Returns nil for a syntactically bad pattern (Go's `ErrBadPattern`).
    init?(compiling pattern: [UInt8]) {
        var parser = GlobParser(pattern: pattern)
        guard parser.parse() else { return nil }
        self.chunks = parser.chunks
        self.tokens = parser.tokens
        self.classes = parser.classes
    }

    func matches(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        let end = name.count
        var position = 0
        for (chunkIndex, chunk) in chunks.enumerated() {
            let isLast = chunkIndex == chunks.count - 1
            if chunk.leadingStar && chunk.tokens.isEmpty {
                // A trailing star takes the rest of the segment, which must not contain another '/'.
                return !name[position..<end].contains(UInt8(ascii: "/"))
            }
            if let rest = match(chunk, name, at: position), rest == end || !isLast {
                position = rest
                continue
            }
            guard chunk.leadingStar, let rest = firstStarredMatch(of: chunk, in: name, after: position, isLast: isLast)
            else { return false }
            position = rest
        }
        return position == end
    }

    /// Lets the star swallow 1, 2, … bytes (never a '/') and returns where the chunk first fits.
    private func firstStarredMatch(
        of chunk: Chunk, in name: UnsafeBufferPointer<UInt8>, after start: Int, isLast: Bool
    ) -> Int? {
        var skip = start
        while skip < name.count && name[skip] != UInt8(ascii: "/") {
            if let rest = match(chunk, name, at: skip + 1), !isLast || rest == name.count {
                return rest
            }
            skip += 1
        }
        return nil
    }

    /// Matches the chunk's single-character tokens at `start`; returns the position after them.
    private func match(_ chunk: Chunk, _ name: UnsafeBufferPointer<UInt8>, at start: Int) -> Int? {
        var position = start
        for index in chunk.tokens {
            guard position < name.count else { return nil }
            switch tokens[index] {
            case .byte(let expected):
                guard name[position] == expected else { return nil }
                position += 1
            case .anyCharacter:
                guard name[position] != UInt8(ascii: "/") else { return nil }
                position += UTF8Scalar.decode(name, at: position).width
            case .characterClass(let classIndex):
                let (scalar, width) = UTF8Scalar.decode(name, at: position)
                guard classes[classIndex].contains(scalar) else { return nil }
                position += width
            }
        }
        return position
    }
}
