/// A certificate, key or CA that could not be used; names the file, never its contents.
public struct TLSFileError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
