import Foundation

/// Process figures for `/v1/status` and the `kes_system_*` gauges.
struct SystemStats {
    var cpuCount: Int
    var cpuUsable: Int
    var threads: Int
    var heapBytes: Int
    var heapObjects: Int
    var stackBytes: Int

    static func read() -> SystemStats {
        let cpuCount = ProcessInfo.processInfo.processorCount
        let cpuUsable = ProcessInfo.processInfo.activeProcessorCount
        var heapBytes = 0
        let heapObjects = 0
        var threads = 0
        var stackBytes = 0
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
            for line in status.split(separator: "\n") {
                if line.hasPrefix("Threads:") {
                    threads = Int(line.dropFirst(8).trimmingCharacters(in: .whitespaces)) ?? 0
                } else if line.hasPrefix("VmRSS:") {
                    // Resident memory is the closest honest figure to Go's heap that Linux reports cheaply.
                    let kb = line.dropFirst(6).trimmingCharacters(in: .whitespaces).split(separator: " ").first
                    heapBytes = (kb.flatMap { Int($0) } ?? 0) * 1024
                } else if line.hasPrefix("VmStk:") {
                    let kb = line.dropFirst(6).trimmingCharacters(in: .whitespaces).split(separator: " ").first
                    stackBytes = (kb.flatMap { Int($0) } ?? 0) * 1024
                }
            }
        }
        return SystemStats(cpuCount: cpuCount, cpuUsable: cpuUsable, threads: threads,
                           heapBytes: heapBytes, heapObjects: heapObjects, stackBytes: stackBytes)
    }
}
