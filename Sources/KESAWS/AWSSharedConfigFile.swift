import Foundation

/// The INI dialect of `~/.aws/credentials` and `~/.aws/config`, read as the AWS CLI writes it.
///
/// Keys are compared in lower case. A line indented deeper than the key above it belongs to
/// that key (a nested block such as `s3 =` followed by indented settings, or a continuation),
/// so it can never be mistaken for a key of the profile itself. A `#` or `;` starts a comment
/// at the start of a line, or after whitespace inside a value: access keys, secrets and
/// session tokens are base64-like and never contain either after a space.
struct AWSSharedConfigFile: Sendable, Equatable {
    /// Section name as written between the brackets (trimmed) → lowercased key → value.
    var sections: [String: [String: String]] = [:]

    init(parsing text: String) {
        var current: String?
        // The indentation of the last key line; deeper lines belong to that key.
        var keyIndent: Int?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let indent = rawLine.prefix { $0 == " " || $0 == "\t" }.count
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if let keyIndent, indent > keyIndent { continue }
            if line.hasPrefix("[") {
                keyIndent = nil
                current = Self.sectionName(line)
                if let current, sections[current] == nil { sections[current] = [:] }
                continue
            }
            guard let section = current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            guard !key.isEmpty else { continue }
            sections[section]?[key] = Self.stripComment(line[line.index(after: equals)...])
            keyIndent = indent
        }
    }

    /// `[name]` (a trailing comment allowed) → `name`; anything else ends the current section,
    /// so the keys under a malformed header are not attributed to the profile before it.
    private static func sectionName(_ line: String) -> String? {
        guard let close = line.firstIndex(of: "]") else { return nil }
        let rest = line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)
        guard rest.isEmpty || rest.hasPrefix("#") || rest.hasPrefix(";") else { return nil }
        let name = line[line.index(after: line.startIndex)..<close].trimmingCharacters(in: .whitespaces)
        return name.isEmpty ? nil : name
    }

    private static func stripComment(_ value: Substring) -> String {
        var end = value.endIndex
        var previous: Character = " "
        for index in value.indices {
            let character = value[index]
            if (character == "#" || character == ";") && (previous == " " || previous == "\t") {
                end = index
                break
            }
            previous = character
        }
        return value[..<end].trimmingCharacters(in: .whitespaces)
    }

    /// The settings of `profile`. The credentials file names a profile `[NAME]`; the config file
    /// `[profile NAME]`, except the default profile, which may also be plain `[default]` there.
    func profile(_ name: String, inConfigFile: Bool) -> [String: String]? {
        guard inConfigFile else { return sections[name] }
        for (section, values) in sections {
            let words = section.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if words.count == 2, words[0] == "profile", words[1] == name { return values }
        }
        return name == "default" ? sections["default"] : nil
    }
}

/// The shared-files link of the credential chain: `aws_access_key_id`, `aws_secret_access_key`
/// and `aws_session_token` of `AWS_PROFILE` (default `default`), from the credentials file and
/// then the config file.
struct SharedFileCredentials {
    struct Found: Sendable, Equatable {
        var credentials: AWSCredentials
        var path: String
        var profile: String
    }

    /// The credentials, or why there are none (files and profile named, nothing read from them).
    static func lookup(environment: [String: String]) -> Result<Found, AWSCredentialsError> {
        let profile = environment.setting("AWS_PROFILE") ?? environment.setting("AWS_DEFAULT_PROFILE") ?? "default"
        let home = environment.setting("HOME")
        let files: [(path: String?, isConfig: Bool)] = [
            (environment.setting("AWS_SHARED_CREDENTIALS_FILE") ?? home.map { $0 + "/.aws/credentials" }, false),
            (environment.setting("AWS_CONFIG_FILE") ?? home.map { $0 + "/.aws/config" }, true),
        ]
        var notes: [String] = []
        for file in files {
            guard let path = file.path else {
                if !notes.contains("HOME not set") { notes.append("HOME not set") }
                continue
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                notes.append(FileManager.default.fileExists(atPath: path) ? "\(path) not readable" : "no \(path)")
                continue
            }
            let parsed = AWSSharedConfigFile(parsing: String(decoding: data, as: UTF8.self))
            guard let values = parsed.profile(profile, inConfigFile: file.isConfig) else {
                notes.append("\(path) has no profile \(profile)")
                continue
            }
            let id = values["aws_access_key_id"] ?? ""
            let secret = values["aws_secret_access_key"] ?? ""
            guard !id.isEmpty, !secret.isEmpty else {
                notes.append("profile \(profile) in \(path) has no aws_access_key_id and aws_secret_access_key")
                continue
            }
            let credentials = AWSCredentials(
                accessKeyID: id, secretAccessKey: secret, sessionToken: values["aws_session_token"] ?? "")
            return .success(Found(credentials: credentials, path: path, profile: profile))
        }
        return .failure(AWSCredentialsError(notes.joined(separator: ", ")))
    }
}
