import Foundation

/// This process's open descriptors, and among them the TCP connections of one server and one
/// key store, read from `/proc/self/fd` and `/proc/self/net/tcp` (Linux only).
///
/// Leak checks compare the two connection counts rather than the total: tests of other suites
/// run in the same process at the same time and open and close descriptors of their own, while
/// connections to one key store's address, or to one server's port, belong to one test alone.
public struct DescriptorCensus: Sendable, Equatable, CustomStringConvertible {
    /// Every open descriptor of the process.
    public let total: Int
    /// Connected TCP sockets whose peer is the key store's address (the backend client's pool).
    public let store: Int
    /// Connected TCP sockets with the server's port at either end: both ends of each client connection.
    public let front: Int

    public var description: String { "total \(total), store \(store), front \(front)" }

    /// Counts now. `storeAddress` is a dotted IPv4 address; `serverPort` the server's TCP port.
    public static func take(storeAddress: String, serverPort: Int) -> DescriptorCensus {
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        var socketInodes = Set<Substring>()
        for descriptor in descriptors {
            // "socket:[12345]"; the directory's own descriptor may be gone by now, which is fine.
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + descriptor),
                target.hasPrefix("socket:[")
            else { continue }
            socketInodes.insert(Substring(target.dropFirst(8).dropLast()))
        }
        var store = 0
        var front = 0
        // Read to EOF: a /proc file reports size 0 and comes a page at a time, and a reader that
        // trusts the size may stop after the first page.
        let handle = FileHandle(forReadingAtPath: "/proc/self/net/tcp")
        let table = String(decoding: (try? handle?.readToEnd()) ?? Data(), as: UTF8.self)
        try? handle?.close()
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            // sl local rem st tx:rx tr:when retrnsmt uid timeout inode …; st 0A is LISTEN.
            guard fields.count > 9, fields[3] != "0A", socketInodes.contains(fields[9]) else { continue }
            let local = Self.endpoint(fields[1])
            let remote = Self.endpoint(fields[2])
            if remote?.address == storeAddress { store += 1 }
            if local?.port == serverPort || remote?.port == serverPort { front += 1 }
        }
        return DescriptorCensus(total: descriptors.count, store: store, front: front)
    }

    /// "0100007F:1F90" → ("127.0.0.1", 8080): the address is the kernel's 32-bit word in host
    /// (little-endian) order, the port big-endian hex.
    private static func endpoint(_ text: Substring) -> (address: String, port: Int)? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[0].count == 8, let word = UInt32(parts[0], radix: 16), let port = Int(parts[1], radix: 16)
        else { return nil }
        let bytes = [word & 0xff, (word >> 8) & 0xff, (word >> 16) & 0xff, word >> 24]
        return (bytes.map(String.init).joined(separator: "."), port)
    }
}
