/// A rejected path argument. `message` is the exact text of the 400 response body (docs/compatibility.md, "Names").
public struct InvalidArgument: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }

    public static let nameIsEmpty = InvalidArgument(message: "invalid argument: name is empty")
    public static let nameIsTooLong = InvalidArgument(message: "invalid argument: name is too long")
    public static let nameContainsInvalidCharacter = InvalidArgument(
        message: "invalid argument: name contains invalid character")
    public static let patternIsTooLong = InvalidArgument(message: "invalid argument: pattern is too long")
    public static let patternContainsInvalidCharacter = InvalidArgument(
        message: "invalid argument: pattern contains invalid character")
    public static let invalidContinuationToken = InvalidArgument(
        message: "invalid argument: invalid continuation token")
}
