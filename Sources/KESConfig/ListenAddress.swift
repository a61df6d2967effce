/// `host:port` as the server listens on it: `address` in the config file and `--addr`.
public enum ListenAddress {
    /// Why the server cannot listen on `address`, or nil if it can. A port beyond 65535 must be
    /// refused here: a socket address holds 16 bits, so 99999 would quietly become 34463.
    public static func problem(_ address: String) -> String? {
        guard let colon = address.lastIndex(of: ":") else {
            return "invalid address \"\(address)\": expected host:port"
        }
        let port = address[address.index(after: colon)...]
        guard !port.isEmpty, port.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return "invalid address \"\(address)\": the port must be a number"
        }
        guard port.count <= 5, let number = Int(port), number <= 65535 else {
            return "invalid address \"\(address)\": port \(port) is out of range (0-65535)"
        }
        return nil
    }
}
