#if canImport(Glibc)
import Glibc

private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin

private let systemWrite = Darwin.write
#endif

/// Files the CLI creates for private keys and certificates.
///
/// open(2) creates the file with its final mode, so a private key is never readable by others,
/// not even between creating and chmod-ing it. O_EXCL refuses whatever already sits at the path,
/// a symlink planted there included.
enum NewFile {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Writes `text` to a new file at `path` with `mode` (less the umask). With `replacing`, an
    /// existing file is removed first rather than written through, so its mode is never reused.
    static func write(_ text: String, to path: String, mode: mode_t, replacing: Bool) throws(Failure) {
        if replacing, unlink(path) != 0, errno != ENOENT {
            throw failure(path, errno)
        }
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode)
        guard fd >= 0 else {
            let code = errno
            if code == EEXIST {
                throw Failure(description: "cannot create '\(path)': the file exists; use --force to overwrite it")
            }
            throw failure(path, code)
        }
        let bytes = Array(text.utf8)
        var written = 0
        var code: Int32 = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                systemWrite(fd, raw.baseAddress! + written, raw.count - written)
            }
            if result > 0 {
                written += result
            } else if result < 0 && errno == EINTR {
                continue
            } else {
                code = result < 0 ? errno : EIO
                break
            }
        }
        if code == 0 && fsync(fd) != 0 { code = errno }
        if close(fd) != 0 && code == 0 { code = errno }
        if code != 0 {
            unlink(path)
            throw failure(path, code)
        }
    }

    private static func failure(_ path: String, _ code: Int32) -> Failure {
        Failure(description: "cannot create '\(path)': \(String(cString: strerror(code)).lowercased())")
    }
}
