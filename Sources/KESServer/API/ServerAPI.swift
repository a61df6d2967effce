import KESCore
import KESKeyStore

/// The release string `/version` and `/v1/status` report. KES versions are release
/// timestamps, and clients only display them.
public enum KESVersion {
    public static let version = "2026-11-30T00-00-00Z"
    public static let commit = "swift-kes"
}

extension API {
    func version() -> APIResponse {
        .json(Self.object("version", KESVersion.version, "commit", KESVersion.commit))
    }

    func ready() -> APIOutcome {
        .later { [context] in
            do {
                try await context.cache.probe()
                return .ok()
            } catch KeyStoreError.unreachable {
                return .error(.keyStoreUnreachable)
            } catch {
                return .error(.keyStoreUnavailable)
            }
        }
    }

    /// docs/compatibility.md, "Status": uptime in seconds, latency in milliseconds, and unreachable implies unavailable.
    func status() -> APIOutcome {
        .later { [context] in
            var latency: Duration?
            var unreachable = false
            do {
                latency = try await context.cache.probe()
            } catch KeyStoreError.unreachable {
                unreachable = true
            } catch {}
            let stats = SystemStats.read()
            var json = JSONWriter(capacity: 256)
            json.beginObject()
            json.field("version", KESVersion.version)
            json.field("os", "linux")
            #if arch(arm64)
            json.field("arch", "arm64")
            #else
            json.field("arch", "amd64")
            #endif
            json.field("uptime", Int((ContinuousClock.now - context.startedAt).components.seconds))
            json.field("num_cpu", stats.cpuCount)
            json.field("num_cpu_used", stats.cpuUsable)
            json.field("mem_heap_used", stats.heapBytes)
            json.field("mem_stack_used", stats.stackBytes)
            if let latency {
                let millis = latency.components.seconds * 1000 + latency.components.attoseconds / 1_000_000_000_000_000
                json.field("keystore_latency", max(1, Int(millis)))
            } else {
                json.field("keystore_unavailable", true)
                if unreachable { json.field("keystore_unreachable", true) }
            }
            json.endObject()
            return .json(json)
        }
    }

    func metrics() -> APIResponse {
        APIResponse(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: context.metrics.exposition())
    }

    func apiDescription(settings: ServerSettings) -> APIResponse {
        var json = JSONWriter(capacity: 2048)
        json.beginArray()
        for route in Route.table {
            json.beginObject()
            json.field("method", route.methods[0].rawValue)
            json.field("path", route.path)
            json.field("max_body", route.maxBody)
            json.field("timeout", Int(settings.routes.timeout(for: route).components.seconds))
            json.endObject()
        }
        json.endArray()
        return .json(json)
    }
}
