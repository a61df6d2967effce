import Foundation
import Prometheus
import Synchronization

/// The Prometheus metrics KES exposes (docs/formats.md, "Metrics"), with KES's names and help texts.
///
/// Request counters are created on first use of a status code, because KES omits a
/// counter family that has never been observed and Go clients reject zero-series families.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let codeCounters = Mutex<[Int: Counter]>([:])
    private let active: Gauge
    /// Written by own code rather than swift-prometheus, which spells the bound 1 s as `le="1.0"`
    /// where KES writes `le="1"`.
    private let responseTime: GoHistogram
    let auditEvents: Counter
    let errorEvents: Counter
    private let upTime: Gauge
    private let numCPU: Gauge
    private let numCPUUsed: Gauge
    private let numThreads: Gauge
    private let heapUsed: Gauge
    private let heapObjects: Gauge
    private let stackUsed: Gauge
    private let startedAt: ContinuousClock.Instant

    init(startedAt: ContinuousClock.Instant) {
        self.startedAt = startedAt
        active = registry.makeGauge(descriptor: Self.describe("kes_http_request_active", "Number of active requests that are not finished, yet."))
        responseTime = GoHistogram(
            name: "kes_http_response_time", help: "Histogram of request response times spawning from 10ms to 10s.",
            bounds: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 3, 5, 10]
        )
        auditEvents = registry.makeCounter(descriptor: Self.describe("kes_log_audit_events", "Number of audit log events written to the audit log targets."))
        errorEvents = registry.makeCounter(descriptor: Self.describe("kes_log_error_events", "Number of error log events written to the error log targets."))
        upTime = registry.makeGauge(descriptor: Self.describe("kes_system_up_time", "The time the server has been up and running in seconds."))
        numCPU = registry.makeGauge(descriptor: Self.describe("kes_system_num_cpu", "The number of logical CPUs available on the system. It may be larger than the number of usable CPUs."))
        numCPUUsed = registry.makeGauge(descriptor: Self.describe("kes_system_num_cpu_used", "The number of logical CPUs usable by the server. It may be smaller than the number of available CPUs."))
        numThreads = registry.makeGauge(descriptor: Self.describe("kes_system_num_threads", "The number of concurrent co-routines/threads that currently exists."))
        heapUsed = registry.makeGauge(descriptor: Self.describe("kes_system_mem_heap_used", "The number of bytes that are currently allocated on the heap memory."))
        heapObjects = registry.makeGauge(descriptor: Self.describe("kes_system_mem_heap_objects", "The number of objects that are currently allocated on the heap memory."))
        stackUsed = registry.makeGauge(descriptor: Self.describe("kes_system_mem_stack_used", "The bytes of stack memory obtained from the OS."))
    }

    /// KES's metric names carry no unit suffix, so the whole name is the base name.
    private static func describe(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    func requestStarted() {
        active.increment()
    }

    func requestFinished(code: Int, duration: Duration) {
        active.decrement()
        responseTime.record(duration)
        counter(for: code).increment()
    }

    private func counter(for code: Int) -> Counter {
        if let existing = codeCounters.withLock({ $0[code] }) { return existing }
        let (name, help): (String, String) = switch code {
        case 500...: ("kes_http_request_failure", "Number of request that failed due to some internal failure. (HTTP 5xx status code)")
        case 400..<500: ("kes_http_request_error", "Number of request that failed due to some error. (HTTP 4xx status code)")
        default: ("kes_http_request_success", "Number of requests that have been served successfully.")
        }
        let counter = registry.makeCounter(descriptor: Self.describe(name, help), labels: [("code", String(code))])
        codeCounters.withLock { $0[code] = counter }
        return counter
    }

    /// The text exposition, with the system gauges refreshed first.
    func exposition() -> [UInt8] {
        let uptime = ContinuousClock.now - startedAt
        upTime.set(Double(uptime.components.seconds) + Double(uptime.components.attoseconds / 10_000_000_000_000_000) / 100)
        let system = SystemStats.read()
        numCPU.set(Double(system.cpuCount))
        numCPUUsed.set(Double(system.cpuUsable))
        numThreads.set(Double(system.threads))
        heapUsed.set(Double(system.heapBytes))
        heapObjects.set(Double(system.heapObjects))
        stackUsed.set(Double(system.stackBytes))
        var buffer: [UInt8] = []
        buffer.reserveCapacity(4096)
        registry.emit(into: &buffer)
        responseTime.emit(into: &buffer)
        return buffer
    }
}
