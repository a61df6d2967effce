/// A misspelt key would otherwise be ignored and its setting silently left at the default, so
/// the fixed sections of the schema reject keys they do not know.
extension ConfigReader {
    /// Fails on the first key of `field`'s mapping that is not in `known`, naming it and, when one
    /// is close, the key that was probably meant. Absent fields and non-mappings pass: reading the
    /// section reports those.
    func rejectUnknownKeys(_ field: ConfigField, known: [String]) throws(ConfigError) {
        guard !field.isAbsent, case .mapping(let mapping) = field.node else { return }
        for keyNode in mapping.keys {
            guard let key = keyNode.scalar?.string, !known.contains(key) else { continue }
            let path = field.path.isEmpty ? key : "\(field.path).\(key)"
            if let suggestion = closestMatch(to: key, among: known) {
                throw error(path, "unknown field; did you mean '\(suggestion)'?")
            }
            throw error(path, "unknown field; expected one of \(known.map { "'\($0)'" }.joined(separator: ", "))")
        }
    }
}

/// The candidate a typo most likely meant: the same word in another case, or the nearest one
/// within two edits (one for short words, where two edits reach almost anything).
func closestMatch(to word: String, among candidates: [String]) -> String? {
    let lowered = word.lowercased()
    if let sameLetters = candidates.first(where: { $0.lowercased() == lowered }) { return sameLetters }
    let limit = lowered.count <= 4 ? 1 : 2
    var best: (candidate: String, distance: Int)?
    for candidate in candidates {
        let distance = editDistance(Array(lowered.utf8), Array(candidate.lowercased().utf8))
        if distance <= limit && distance < (best?.distance ?? .max) {
            best = (candidate, distance)
        }
    }
    return best?.candidate
}

/// Levenshtein distance, with a swap of two neighbours counted as one edit (`adress`, `adderss`).
func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previousRow = [Int](0...b.count)
    var row = previousRow
    var rowBeforeThat = previousRow
    for i in 1...a.count {
        row[0] = i
        for j in 1...b.count {
            let substitution = previousRow[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            row[j] = min(previousRow[j] + 1, row[j - 1] + 1, substitution)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                row[j] = min(row[j], rowBeforeThat[j - 2] + 1)
            }
        }
        rowBeforeThat = previousRow
        previousRow = row
    }
    return previousRow[b.count]
}
