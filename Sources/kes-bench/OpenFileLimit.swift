#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Each connection is a descriptor, and the usual soft limit of 1024 is far below the 10,000
/// connections `--hold` may be asked for; the hard limit is what the machine actually grants.
enum OpenFileLimit {
    /// Raises the soft limit to the hard limit; the soft limit afterwards, nil where it cannot be read.
    @discardableResult
    static func raiseToHardLimit() -> Int? {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            // Darwin refuses an unlimited soft limit; the old one then stays and too many connections fail, counted.
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }

    #if canImport(Glibc)
    private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resource = RLIMIT_NOFILE
    #endif
}
