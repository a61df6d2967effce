/// Compiles a Go `path.Match` pattern into ``GlobProgram`` chunks, rejecting what Go reports as `ErrBadPattern`.
struct GlobParser {
    let pattern: [UInt8]
    var chunks: [GlobProgram.Chunk] = []
    var tokens: [GlobProgram.Token] = []
    var classes: [GlobProgram.CharacterClass] = []

    init(pattern: [UInt8]) {
        self.pattern = pattern
    }

    /// Returns false if the pattern is malformed.
    mutating func parse() -> Bool {
        var index = 0
        while index < pattern.count {
            var star = false
            while index < pattern.count && pattern[index] == UInt8(ascii: "*") {
                star = true
                index += 1
            }
            let chunkEnd = endOfChunk(from: index)
            let firstToken = tokens.count
            guard parseChunk(index..<chunkEnd) else { return false }
            chunks.append(.init(leadingStar: star, tokens: firstToken..<tokens.count))
            index = chunkEnd
        }
        return true
    }

    /// A chunk ends at the next '*' that is neither escaped nor inside brackets.
    private func endOfChunk(from start: Int) -> Int {
        var index = start
        var inBrackets = false
        while index < pattern.count {
            switch pattern[index] {
            case UInt8(ascii: "\\"):
                if index + 1 < pattern.count { index += 1 }
            case UInt8(ascii: "["):
                inBrackets = true
            case UInt8(ascii: "]"):
                inBrackets = false
            case UInt8(ascii: "*") where !inBrackets:
                return index
            default:
                break
            }
            index += 1
        }
        return index
    }

    private mutating func parseChunk(_ range: Range<Int>) -> Bool {
        var index = range.lowerBound
        let end = range.upperBound
        while index < end {
            switch pattern[index] {
            case UInt8(ascii: "["):
                guard let next = parseClass(from: index + 1, end: end) else { return false }
                index = next
            case UInt8(ascii: "?"):
                tokens.append(.anyCharacter)
                index += 1
            case UInt8(ascii: "\\"):
                guard index + 1 < end else { return false }
                tokens.append(.byte(pattern[index + 1]))
                index += 2
            default:
                tokens.append(.byte(pattern[index]))
                index += 1
            }
        }
        return true
    }

    /// Parses `[^…]` after the opening bracket; returns the index after the closing bracket.
    private mutating func parseClass(from start: Int, end: Int) -> Int? {
        var index = start
        var negated = false
        if index < end && pattern[index] == UInt8(ascii: "^") {
            negated = true
            index += 1
        }
        var ranges: [(lo: UInt32, hi: UInt32)] = []
        while true {
            if index < end && pattern[index] == UInt8(ascii: "]") && !ranges.isEmpty {
                index += 1
                break
            }
            guard let (lo, afterLo) = classCharacter(at: index, end: end) else { return nil }
            var hi = lo
            index = afterLo
            if pattern[index] == UInt8(ascii: "-") {
                guard let (upper, afterHi) = classCharacter(at: index + 1, end: end) else { return nil }
                hi = upper
                index = afterHi
            }
            ranges.append((lo, hi))
        }
        tokens.append(.characterClass(classes.count))
        classes.append(.init(negated: negated, ranges: ranges))
        return index
    }

    /// One possibly escaped class character. Like Go, it must not be an unescaped '-' or ']' and must not be the
    /// last byte of the chunk (the class would be unterminated).
    private func classCharacter(at start: Int, end: Int) -> (UInt32, Int)? {
        var index = start
        guard index < end, pattern[index] != UInt8(ascii: "-"), pattern[index] != UInt8(ascii: "]") else {
            return nil
        }
        if pattern[index] == UInt8(ascii: "\\") {
            index += 1
            guard index < end else { return nil }
        }
        let (scalar, width) = pattern.withUnsafeBufferPointer { UTF8Scalar.decode($0, at: index) }
        guard scalar != UTF8Scalar.replacement || width != 1 else { return nil }
        let next = index + width
        guard next < end else { return nil }
        return (scalar, next)
    }
}
