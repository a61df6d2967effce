import NIOCore

/// The deadline of the key operation running in this task, which every Vault call it makes
/// shares; calls outside one (health probes, token renewal) keep their own timeouts.
enum VaultOperation {
    @TaskLocal static var deadline: NIODeadline?

    static func within<Result>(_ timeout: TimeAmount, _ body: () async throws -> Result) async throws -> Result {
        try await $deadline.withValue(.now() + timeout) { try await body() }
    }

    /// What is left of the operation's time, nil outside an operation. Never negative: a call
    /// made after the deadline fails at once as timed out.
    static var remaining: TimeAmount? {
        deadline.map { max(.zero, $0 - .now()) }
    }
}
