/// A problem with the server config file.
///
/// `message` has the form `config: <file>: <field.path>: <what>` so that an operator can
/// find the offending line without guessing. It never contains secret values.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public let message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}
