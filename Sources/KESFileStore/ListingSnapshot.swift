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

    private struct State {
        var snapshot: Snapshot?
        /// Counts this store's creates and deletes, so that a list which read the directory
        /// before one of them cannot store what it read after that change has dropped the
        /// snapshot.
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())

    func page(of directory: KeyDirectory, prefix: String, startingAt start: String, limit: Int) throws(KeyStoreError) -> KeyListPage {
        let generation = state.withLock { $0.generation }
        let modified = try directory.modificationTime()
        if !start.isEmpty,
           let names = state.withLock({ $0.snapshot.flatMap { $0.modified == modified ? $0.names : nil } })
        {
            return KeyListPage(sortedNames: names, prefix: prefix, startingAt: start, limit: limit)
        }
        let names = try directory.keyNames()
        let page = KeyListPage(allNames: names, prefix: prefix, startingAt: start, limit: limit)
        // A list that fits in one page leaves the snapshot to the clients paging through more.
        if !page.continueAt.isEmpty {
            let snapshot = Snapshot(modified: modified, names: names.sorted())
            state.withLock { state in
                if state.generation == generation { state.snapshot = snapshot }
            }
        }
        return page
    }

    func invalidate() {
        state.withLock { state in
            state.snapshot = nil
            state.generation &+= 1
        }
    }
}

extension timespec {
    fileprivate static func == (a: timespec, b: timespec) -> Bool {
        a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec
    }
}
