import NIOEmbedded
import Testing

@testable import KESServer

/// When the registry says the heap is worth trimming: after the open connections fall to half
/// their peak and by at least `trimDrop`, once per fall.
@Suite("Connection registry: heap trim")
struct ConnectionRegistryTrimTests {
    @Test func trimsOnceAfterFallingToHalfThePeak() {
        let registry = ConnectionRegistry(limit: 10_000)
        let channels = (0..<1_000).map { _ in EmbeddedChannel() }
        for channel in channels { #expect(registry.admit(channel).slot != nil) }

        var trims: [Int] = []
        for (index, channel) in channels.enumerated() where registry.remove(channel) {
            trims.append(index + 1)
        }
        // At 500 open (half of 1,000, 500 fewer) the first trim; the peak restarts at 500, so the
        // next is due at 244 open: half of 500 and at least 256 fewer. Below that, too few remain.
        #expect(trims == [500, 756])
    }

    @Test func smallServersNeverTrim() {
        let registry = ConnectionRegistry(limit: 10_000)
        let channels = (0..<200).map { _ in EmbeddedChannel() }
        for channel in channels { _ = registry.admit(channel) }
        #expect(!channels.contains { registry.remove($0) })
    }
}
