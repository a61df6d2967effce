import Foundation
import KESCore
import KESKeyStore

/// The copy itself: list, check conflicts, copy, verify.
struct Migration: Sendable {
    enum Mode: Sendable {
        /// Refuse before copying anything when the destination holds any of the names.
        case refuseExisting
        /// Skip identical keys and report different ones.
        case merge
    }

    let source: any KeyStore
    let destination: any KeyStore
    let prefix: String
    let mode: Mode
    /// Replace keys that differ (delete, then create).
    let force: Bool
    let concurrency: Int
    let format: Format

    enum Format: Sendable {
        /// The stored value is copied byte for byte, so either stored-key format survives.
        case unchanged
        /// Every key is written in KES 2023's JSON format, which KES 2023 can read (it reads no
        /// other). That format has no HMAC key, so the copies have none.
        case kes2023

        /// What to write for a source key, and what the destination must then read back: for
        /// KES 2023's format, no HMAC key and, for AES256, no stored algorithm.
        func copy(of key: StoredKey, stored value: [UInt8]) throws(KeyFormatError) -> (value: [UInt8], key: StoredKey) {
            switch self {
            case .unchanged:
                return (value, key)
            case .kes2023:
                let json = key.encodedJSON()
                return (json, try StoredKey(parsing: json))
            }
        }
    }

    enum Outcome: Sendable {
        case copied(replaced: Bool)
        case skipped(String)
        case failed(String)
    }

    func run(progress: MigrationProgress) async throws -> MigrationSummary {
        let names: [String]
        let existing: Set<String>
        do {
            names = try await source.list(prefix: prefix, limit: .max).names
        } catch {
            throw CommandFailure("failed to list the source keys: \(error)")
        }
        do {
            existing = Set(try await destination.list(prefix: prefix, limit: .max).names)
        } catch {
            throw CommandFailure("failed to list the destination keys: \(error)")
        }
        let clashes = names.filter(existing.contains)
        if mode == .refuseExisting, !force, !clashes.isEmpty {
            let shown = clashes.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
            throw CommandFailure(
                "the destination already holds \(clashes.count) of the \(names.count) keys (\(shown)\(clashes.count > 5 ? ", …" : "")); "
                    + "nothing was copied. Use --merge to skip identical keys (this also resumes an interrupted migration)")
        }

        var summary = MigrationSummary(total: names.count)
        progress.start(total: names.count)
        try await withThrowingTaskGroup(of: (String, Outcome).self) { group in
            var next = names.makeIterator()
            func addNext() -> Bool {
                guard let name = next.next() else { return false }
                let exists = existing.contains(name)
                group.addTask { (name, await migrate(name, exists: exists)) }
                return true
            }
            for _ in 0..<concurrency where !addNext() { break }
            while let (name, outcome) = try await group.next() {
                summary.record(name, outcome)
                progress.update(summary)
                _ = addNext()
            }
        }
        progress.finish(summary)
        return summary
    }

    /// Copies one key. Errors become outcomes so one bad key does not stop the rest.
    func migrate(_ name: String, exists: Bool) async -> Outcome {
        let key: StoredKey
        let copy: (value: [UInt8], key: StoredKey)
        do {
            let value = try await source.get(name)
            key = try StoredKey(parsing: value)
            copy = try format.copy(of: key, stored: value)
        } catch KeyStoreError.keyNotFound {
            return .skipped("deleted from the source during the migration")
        } catch let error as KeyFormatError {
            return .failed("the source value is not a KES key: \(error)")
        } catch {
            return .failed("cannot read from the source: \(error)")
        }
        var replaced = false
        if exists {
            switch await compare(name, with: copy.key) {
            case .identical:
                return .skipped("identical key already in the destination")
            case .missing:
                break
            case .different where force:
                do {
                    try await destination.delete(name)
                } catch KeyStoreError.keyNotFound {
                } catch {
                    return .failed("cannot replace the destination key: \(error)")
                }
                replaced = true
            case .different:
                return .failed("conflict: the destination holds a different key (use --force to replace it)")
            case .unreadable(let why):
                return .failed("cannot read the destination key: \(why)")
            }
        }
        do {
            try await destination.create(name, value: copy.value)
        } catch KeyStoreError.keyExists {
            // Someone created it meanwhile: treat it like a key that was there before.
            return exists ? .failed("the destination key reappeared while replacing it") : await migrate(name, exists: true)
        } catch {
            return .failed("cannot write to the destination: \(error)")
        }
        if let problem = await verify(name, source: key, expected: copy.key) { return .failed("verification failed: \(problem)") }
        return .copied(replaced: replaced)
    }

    enum Comparison { case identical, different, missing, unreadable(String) }

    func compare(_ name: String, with key: StoredKey) async -> Comparison {
        do {
            let other = try StoredKey(parsing: try await destination.get(name))
            return other.secret == key.secret && other.hmacKey == key.hmacKey ? .identical : .different
        } catch KeyStoreError.keyNotFound {
            return .missing
        } catch {
            return .unreadable("\(error)")
        }
    }

    /// Reads the copy back, checks it is the `expected` key, and that a probe sealed with the
    /// source key opens with it.
    func verify(_ name: String, source key: StoredKey, expected: StoredKey) async -> String? {
        let copy: StoredKey
        do {
            copy = try StoredKey(parsing: try await destination.get(name))
        } catch {
            return "cannot read the copy back: \(error)"
        }
        guard copy.secret.algorithm == expected.secret.algorithm, copy.hmacKey == expected.hmacKey else {
            return "the copy's algorithm or HMAC key differs"
        }
        let probe = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let context = Array("kes migrate probe \(name)".utf8)
        let sealed = key.secret.encrypt(probe, context: context)
        guard let opened = try? copy.secret.decrypt(sealed, context: context), opened == probe else {
            return "a probe encrypted with the source key does not decrypt with the copy"
        }
        return nil
    }
}
