import Foundation

/// `log.error` and `log.audit`: `on`/`off` as in KES 2023, or a log level as current KES writes
/// them (`debug`, `info`, `warn`, `error`, each with an optional `+N`/`-N`, or a number). A level
/// turns the log on when the events it carries are at that level or above: error events are at
/// `error`, audit events at `info`.
enum LogLevel: Int {
    case debug = -4
    case info = 0
    case warn = 4
    case error = 8

    /// The numeric level of `text`, nil when it is no level.
    static func parse(_ text: String) -> Int? {
        let upper = text.uppercased()
        for base in [("DEBUG", LogLevel.debug), ("INFO", .info), ("WARN", .warn), ("ERROR", .error)] where upper.hasPrefix(base.0) {
            let rest = upper.dropFirst(base.0.count)
            if rest.isEmpty { return base.1.rawValue }
            guard rest.first == "+" || rest.first == "-", let offset = Int(rest) else { return nil }
            return base.1.rawValue + offset
        }
        return Int(upper)
    }
}

extension ConfigReader {
    func logSwitch(_ field: ConfigField, eventLevel: LogLevel) throws(ConfigError) -> Bool? {
        guard let text = try string(field)?.trimmingCharacters(in: .whitespaces) else { return nil }
        switch text.lowercased() {
        case "": return nil
        case "on", "true": return true
        case "off", "false": return false
        default:
            guard let level = LogLevel.parse(text) else {
                throw error(field.path, "invalid value \"\(text)\": expected on, off or a log level (debug, info, warn, error)")
            }
            return level <= eventLevel.rawValue
        }
    }
}
