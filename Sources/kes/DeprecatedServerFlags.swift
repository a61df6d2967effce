import ArgumentParser
import Foundation
import KESConfig

/// `kes server --auth/--key/--cert`: flags KES deprecated in favour of the config file. Older
/// deployments still pass them, so they are honoured, each with a warning on stderr.
struct DeprecatedServerFlags: Sendable {
    /// `--auth`: KES spells it on or off.
    enum OnOff: String, ExpressibleByArgument, CaseIterable, Sendable {
        case on, off
        var isOn: Bool { self == .on }
    }

    var auth: Bool?
    var key: String?
    var cert: String?

    var isEmpty: Bool { auth == nil && key == nil && cert == nil }

    /// One line per flag given, naming the config field to use instead.
    func warn() {
        var lines: [String] = []
        if auth != nil { lines.append("'--auth' is deprecated; set tls.auth in the config file instead") }
        if key != nil { lines.append("'--key' is deprecated; set tls.key in the config file instead") }
        if cert != nil { lines.append("'--cert' is deprecated; set tls.cert in the config file instead") }
        for line in lines {
            FileHandle.standardError.write(Data("WARNING: \(line)\n".utf8))
        }
    }

    func apply(to config: inout ServerConfig) {
        if let auth { config.tls.auth = auth }
        if let key { config.tls.keyPath = key }
        if let cert { config.tls.certPath = cert }
    }
}
