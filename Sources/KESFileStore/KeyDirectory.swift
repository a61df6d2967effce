import KESKeyStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The blocking half of the file store: one file per key in `path`.
/// Every method performs system calls and must run off the cooperative pool.
struct KeyDirectory: Sendable {
    /// Values larger than this are refused on read, so that a stray huge file
    /// cannot exhaust memory. Stored keys are a few hundred bytes.
    static let maxValueSize = 1 << 20

    /// Temp files start with "." so they can never be mistaken for, or collide with, a key.
    static let tempPrefix = ".kes-tmp-"

    let path: String

    func filePath(_ name: String) -> String { path + "/" + name }

    // MARK: create

    /// Writes the value to a synced temp file, then hard-links it to the key's name.
    /// link(2) fails with EEXIST when the name is taken, which makes the create
    /// atomic across threads and processes, and readers never see a partial file.
    /// The temp file stays open, and so locked (`TempFileLock`), until it is linked.
    func create(_ name: String, value: [UInt8]) throws(KeyStoreError) {
        let finalPath = filePath(name)
        // A cheap early answer for the common duplicate; link(2) below stays the authority.
        if (try? SystemCalls.status(ofPath: finalPath)) != nil { throw .keyExists }

        let failure = { (error: SystemCallError) in KeyStoreError.failed("fs: failed to create '\(name)': \(error.reason)") }
        let (tempPath, fd): (String, Int32)
        do {
            (tempPath, fd) = try openTempFile()
        } catch {
            throw failure(error)
        }

        defer { try? SystemCalls.close(fd) }
        do {
            try SystemCalls.fchmod(fd, 0o600)  // exactly 0600 whatever the umask
            try SystemCalls.writeAll(fd, value)
            try SystemCalls.fsync(fd)
        } catch {
            try? SystemCalls.unlink(tempPath)
            throw failure(error)
        }

        do {
            try SystemCalls.link(tempPath, finalPath)
        } catch {
            try? SystemCalls.unlink(tempPath)
            if error.code == EEXIST { throw .keyExists }
            throw failure(error)
        }
        // The key is in place; a leftover temp name would only waste space.
        try? SystemCalls.unlink(tempPath)

        do {
            try SystemCalls.fsyncDirectory(path)
        } catch {
            throw failure(error)
        }
    }

    /// A new temp file, open and locked.
    private func openTempFile() throws(SystemCallError) -> (path: String, fd: Int32) {
        var attempt = 0
        while true {
            let suffix = String(UInt64.random(in: .min ... .max), radix: 16)
            let tempPath = filePath(Self.tempPrefix + suffix)
            let fd: Int32
            do {
                fd = try SystemCalls.open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode: 0o600)
            } catch where error.code == EEXIST && attempt < 3 {
                attempt += 1
                continue
            }
            do {
                try TempFileLock.acquire(fd)
                // A sweep that found the file between open and lock has removed it: start over.
                if try SystemCalls.status(ofDescriptor: fd).st_nlink > 0 { return (tempPath, fd) }
            } catch {
                try? SystemCalls.close(fd)
                try? SystemCalls.unlink(tempPath)
                throw error
            }
            try? SystemCalls.close(fd)
        }
    }

    // MARK: get

    func get(_ name: String) throws(KeyStoreError) -> [UInt8] {
        let failure = { (reason: String) in KeyStoreError.failed("fs: failed to read '\(name)': \(reason)") }
        let fd: Int32
        do {
            // O_NONBLOCK: opening a FIFO someone left here must not hang a pool thread.
            fd = try SystemCalls.open(filePath(name), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        } catch {
            if error.code == ENOENT { throw .keyNotFound }
            throw failure(error.reason)
        }
        defer { try? SystemCalls.close(fd) }

        do {
            let info = try SystemCalls.status(ofDescriptor: fd)
            guard info.isRegularFile else { throw failure("not a regular file") }
            guard info.st_size <= Self.maxValueSize else { throw failure("file is larger than 1 MiB") }
            // One byte more than the limit tells a file that grew since fstat apart.
            let bytes = try SystemCalls.read(fd, upTo: Self.maxValueSize + 1, expectedSize: Int(info.st_size))
            guard bytes.count <= Self.maxValueSize else { throw failure("file is larger than 1 MiB") }
            return bytes
        } catch let error as KeyStoreError {
            throw error
        } catch let error as SystemCallError {
            throw failure(error.reason)
        } catch {
            throw failure("\(error)")
        }
    }

    // MARK: delete

    func delete(_ name: String) throws(KeyStoreError) {
        do {
            try SystemCalls.unlink(filePath(name))
        } catch {
            if error.code == ENOENT { throw .keyNotFound }
            throw .failed("fs: failed to delete '\(name)': \(error.reason)")
        }
        do {
            try SystemCalls.fsyncDirectory(path)
        } catch {
            throw .failed("fs: failed to delete '\(name)': \(error.reason)")
        }
    }

    // MARK: list

    /// Every entry that could be a key: a valid key name naming a regular file
    /// (or a symlink to one). Temp files, dot-files and subdirectories are skipped.
    func keyNames() throws(KeyStoreError) -> [String] {
        do {
            var names: [String] = []
            try forEachEntry { name, type, directoryFD in
                guard KeyNameCheck.isValid(name) else { return }
                if type == UInt8(DT_REG) {
                    names.append(name)
                } else if type == UInt8(DT_LNK) || type == UInt8(DT_UNKNOWN) {
                    // Some file systems don't report types; symlinks are judged by their target.
                    var info = FileStatus()
                    if fstatat(directoryFD, name, &info, 0) == 0, info.isRegularFile {
                        names.append(name)
                    }
                }
            }
            return names
        } catch {
            throw .failed("fs: failed to list keys: \(error.reason)")
        }
    }

    /// Calls `body` with each entry's name, its `d_type` and the directory's descriptor.
    private func forEachEntry(_ body: (String, UInt8, Int32) -> Void) throws(SystemCallError) {
        guard let directory = opendir(path) else { throw .last() }
        defer { closedir(directory) }
        let directoryFD = dirfd(directory)
        while true {
            errno = 0
            guard let entry = readdir(directory) else {
                if errno != 0 { throw .last() }
                return
            }
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            body(name, entry.pointee.d_type, directoryFD)
        }
    }

    /// Removes the temp files that crashed creates left behind and returns how many. A temp
    /// file is never a key: its name starts with a dot, which no key name may contain, so
    /// neither reads nor lists ever see one. Only files whose lock is free are removed; a
    /// create running in another process sharing the directory holds its file's lock.
    func removeStaleTempFiles() -> Int {
        var candidates: [String] = []
        try? forEachEntry { name, _, directoryFD in
            guard name.hasPrefix(Self.tempPrefix) else { return }
            var info = FileStatus()
            guard fstatat(directoryFD, name, &info, AT_SYMLINK_NOFOLLOW) == 0, info.isRegularFile else { return }
            candidates.append(name)
        }
        var removed = 0
        for name in candidates {
            let tempPath = filePath(name)
            guard let fd = try? SystemCalls.open(tempPath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK) else { continue }
            defer { try? SystemCalls.close(fd) }
            // Unlinked while the lock is held, so that a writer which created the file but has
            // not locked it yet sees the removal once it has the lock.
            guard TempFileLock.tryAcquire(fd), (try? SystemCalls.unlink(tempPath)) != nil else { continue }
            removed += 1
        }
        return removed
    }

    /// When an entry was last added to or removed from the directory.
    func modificationTime() throws(KeyStoreError) -> timespec {
        do {
            #if canImport(Darwin)
            return try SystemCalls.status(ofPath: path).st_mtimespec
            #else
            return try SystemCalls.status(ofPath: path).st_mtim
            #endif
        } catch {
            throw .failed("fs: failed to list keys: \(error.reason)")
        }
    }

    // MARK: status

    func status() throws(KeyStoreError) {
        let info: FileStatus
        do {
            info = try SystemCalls.status(ofPath: path)
        } catch {
            throw .unreachable("fs: \(error.reason)")
        }
        guard info.isDirectory else { throw .unreachable("fs: '\(path)' is not a directory") }
    }
}
