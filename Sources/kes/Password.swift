import Foundation

/// The password for `kes identity new --encrypt`.
enum Password {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// On a terminal, asked twice without echo, as KES asks; otherwise the first line of stdin,
    /// so scripts can pipe it in (KES itself needs a terminal).
    static func read() throws(Failure) -> String {
        let password: String
        if isatty(STDIN_FILENO) != 0 {
            password = try prompt("Enter password for private key: ")
            guard try prompt("Confirm password for private key: ") == password else {
                throw Failure(description: "the passwords do not match")
            }
        } else {
            guard let line = readLine(strippingNewline: true) else {
                throw Failure(description: "no password: stdin is empty")
            }
            password = line.hasSuffix("\r") ? String(line.dropLast()) : line
        }
        guard !password.isEmpty else { throw Failure(description: "the password is empty") }
        return password
    }

    private static func prompt(_ text: String) throws(Failure) -> String {
        FileHandle.standardError.write(Data(text.utf8))
        var saved = termios()
        let canHideEcho = tcgetattr(STDIN_FILENO, &saved) == 0
        if canHideEcho {
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        }
        let line = readLine(strippingNewline: true)
        if canHideEcho { tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved) }
        FileHandle.standardError.write(Data("\n".utf8))
        guard let line else { throw Failure(description: "no password entered") }
        return line
    }
}
