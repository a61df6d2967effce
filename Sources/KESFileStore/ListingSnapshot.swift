import KESKeyStore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The sorted names of the last list that needed more than one page, kept so the following
/// pages need no directory read: re-reading and re-sorting 100,000 names for each of 100 pages
/// made listing them all take 10 s.
///
/// A page that continues a list (`start` not empty) uses the snapshot while the directory's
/// modification time is the one read before the snapshot was taken; a list from the start
/// always reads the directory, so a key created before it is always listed. This store's own
/// creates and deletes drop the snapshot, because the clock the file system stamps directories
/// with may not tick between a snapshot and a change right after it. A change another process
/// makes within that tick can be missed by the pages that follow, which is what the list
/// contract allows for names created or deleted while a client pages.
final class ListingSnapshot: Sendable {
    private struct Snapshot {
        let modified: timespec
        let names: [String]
    }

    private let last = Mutex<Snapshot?>(nil)

    func page(of directory: KeyDirectory, prefix: String, startingAt start: String, limit: Int) throws(KeyStoreError) -> KeyListPage {
        let modified = try directory.modificationTime()
        if !start.isEmpty, let names = last.withLock({ $0.flatMap { $0.modified == modified ? $0.names : nil } }) {
            return KeyListPage(sortedNames: names, prefix: prefix, startingAt: start, limit: limit)
        }
        let names = try directory.keyNames()
        let page = KeyListPage(allNames: names, prefix: prefix, startingAt: start, limit: limit)
        if page.continueAt.isEmpty {
            last.withLock { $0 = nil }
        } else {
            let sorted = names.sorted()
            last.withLock { $0 = Snapshot(modified: modified, names: sorted) }
        }
        return page
    }

    func invalidate() {
        last.withLock { $0 = nil }
    }
}

extension timespec {
    fileprivate static func == (a: timespec, b: timespec) -> Bool {
        a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec
    }
}
