import Foundation
import KESClient

/// Terminal styling: ANSI colour only when the stream is a terminal (or forced).
struct Style: Sendable {
    let enabled: Bool

    init(mode: ColorMode, descriptor: Int32 = STDOUT_FILENO) {
        switch mode {
        case .always: enabled = true
        case .never: enabled = false
        case .auto: enabled = isatty(descriptor) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        }
    }

    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) != 0 }

    private func wrap(_ code: String, _ text: String) -> String {
        enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    func bold(_ text: String) -> String { wrap("1", text) }
    func dim(_ text: String) -> String { wrap("2", text) }
    func red(_ text: String) -> String { wrap("31", text) }
    func green(_ text: String) -> String { wrap("32", text) }
    func yellow(_ text: String) -> String { wrap("33", text) }
    func cyan(_ text: String) -> String { wrap("36", text) }
}

/// Columns padded to their widest cell. Widths ignore ANSI codes.
struct Table {
    var header: [String]?
    var rows: [[String]] = []

    init(header: [String]? = nil) { self.header = header }

    mutating func add(_ row: String...) { rows.append(row) }
    mutating func add(row: [String]) { rows.append(row) }

    func render(style: Style, indent: String = "") -> String {
        let all = (header.map { [$0] } ?? []) + rows
        guard let columns = all.map(\.count).max(), columns > 0 else { return "" }
        var widths = [Int](repeating: 0, count: columns)
        for row in all {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], Self.visibleWidth(cell)) }
        }
        func line(_ row: [String]) -> String {
            var text = indent
            for (index, cell) in row.enumerated() {
                text += cell
                if index < row.count - 1 {
                    text += String(repeating: " ", count: widths[index] - Self.visibleWidth(cell) + 2)
                }
            }
            return text
        }
        var lines: [String] = []
        if let header { lines.append(style.bold(line(header))) }
        lines += rows.map(line)
        return lines.joined(separator: "\n")
    }

    static func visibleWidth(_ text: String) -> Int {
        var width = 0
        var inEscape = false
        for scalar in text.unicodeScalars {
            if inEscape {
                if scalar == "m" { inEscape = false }
            } else if scalar == "\u{1B}" {
                inEscape = true
            } else {
                width += 1
            }
        }
        return width
    }
}

enum Output {
    /// Prints an Encodable value as one JSON document: indented on a terminal, one line on a
    /// pipe, as KES prints it (`kes key dek k | jq -r .ciphertext`).
    static func json<T: Encodable>(_ value: T) throws {
        let encoder = Style.stdoutIsTerminal ? JSONEncoder.kesCLI : JSONEncoder.kes
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    static func time(_ date: Date?) -> String {
        guard let date else { return "-" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }

    /// `3d 4h`, `2h 5m`, `7m 3s`, `12s`.
    static func duration(seconds: Double) -> String {
        let total = Int(seconds)
        let (days, hours, minutes, secs) = (total / 86400, total % 86400 / 3600, total % 3600 / 60, total % 60)
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        if minutes > 0 { return "\(minutes)m \(secs)s" }
        return "\(secs)s"
    }

    static func bytes(_ count: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }
}

extension JSONEncoder {
    /// The SDK's KES-shaped JSON, pretty-printed for people who pipe it into jq.
    static var kesCLI: JSONEncoder {
        let encoder = JSONEncoder.kes
        encoder.outputFormatting.insert(.prettyPrinted)
        return encoder
    }
}
