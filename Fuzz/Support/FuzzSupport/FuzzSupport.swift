import CLibFuzzer

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stops the run with a crash libFuzzer records, so that a violated invariant is kept as a
/// finding like any trap.
public func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("invariant violated: \(message())") }
}

/// Hands the process to libFuzzer, which parses the command line as its own `main` would.
///
/// SwiftPM links an executable's `main` under a renamed symbol and points `main` at it, which
/// leaves no room for libFuzzer's `main`; so each target has an `@main` that calls this.
public func runLibFuzzer(_ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    let status = LLVMFuzzerRunDriver(&argc, &argv, testOneInput)
    exit(status)
}
