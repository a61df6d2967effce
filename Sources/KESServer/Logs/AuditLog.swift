import Foundation
import KESCore
import Synchronization

/// One audit event per API call (docs/compatibility.md, "Audit log"), in KES 2023's JSON shape.
final class AuditLog: Sendable {
    let stream = LogStream(name: "audit")
    private let writeToStdout: Atomic<Bool>
    private let counter: @Sendable () -> Void

    init(stdout: Bool, counter: @escaping @Sendable () -> Void) {
        self.writeToStdout = Atomic(stdout)
        self.counter = counter
    }

    func setStdout(_ enabled: Bool) {
        writeToStdout.store(enabled, ordering: .relaxed)
    }

    /// - Parameter duration: time from request arrival to the status being written.
    func record(time: Timestamp, ip: String?, path: String, identity: String?, code: Int, duration: Duration) {
        counter()
        let toStdout = writeToStdout.load(ordering: .relaxed)
        guard toStdout || stream.hasSubscribers else { return }
        let nanos = duration.wholeNanoseconds
        var json = JSONWriter(capacity: 256)
        json.beginObject()
        json.field("time", time.rfc3339)
        json.key("request")
        json.beginObject()
        if let ip, !ip.isEmpty { json.field("ip", ip) }
        json.field("path", path)
        if let identity, !identity.isEmpty { json.field("identity", identity) }
        json.endObject()
        json.key("response")
        json.beginObject()
        json.field("code", code)
        // Go durations in nanoseconds, truncated to whole microseconds, as KES 2023 writes them.
        json.field("time", Int(nanos / 1000 * 1000))
        json.endObject()
        json.endObject()
        var line = json.bytes
        line.append(0x0A)
        if toStdout { FileHandle.standardOutput.write(Data(line)) }
        stream.publish(line)
    }
}
