import NIOCore
import Synchronization

/// The open connections, and for each whether it is in the middle of a request or since when
/// it has been idle.
///
/// The cap keeps a flood of connections (slow handshakes, slow heads, idle keep-alives) from
/// taking every file descriptor, which would starve legitimate clients and make `accept` fail.
/// At the cap a new connection makes room by closing an idle one: first the oldest of those
/// that have not been answered once (still in the handshake, silent, or trickling a head),
/// then the keep-alive connection idle longest. A flood thus sheds its own connections before
/// a client that has been served. Connections that are answering or streaming are never shed;
/// when all are, the new connection is turned away.
final class ConnectionRegistry: Sendable {
    /// One open connection. Its handler marks it busy from a request's head to its answer.
    final class Slot: Sendable {
        let channel: any Channel
        /// `busy`, or the uptime in nanoseconds since which the connection has been idle, with
        /// `served` set once it has been answered: so a plain comparison orders connections
        /// never answered before served ones, each by age.
        private let idleSince: Atomic<UInt64>
        private static let busy: UInt64 = 0
        private static let served: UInt64 = 1 << 63

        fileprivate init(channel: any Channel) {
            self.channel = channel
            self.idleSince = Atomic(Self.now())
        }

        var isBusy: Bool { idleSince.load(ordering: .relaxed) == Self.busy }

        fileprivate var idleSinceNanoseconds: UInt64? {
            let value = idleSince.load(ordering: .relaxed)
            return value == Self.busy ? nil : value
        }

        func setBusy(_ value: Bool) {
            idleSince.store(value ? Self.busy : Self.served | Self.now(), ordering: .relaxed)
        }

        private static func now() -> UInt64 {
            max(NIODeadline.now().uptimeNanoseconds, 1)
        }
    }

    /// What became of a new connection.
    struct Admission {
        /// nil when the connection was turned away: it must be closed at once.
        var slot: Slot?
        /// An idle connection closed to make room.
        var shed: (any Channel)?
        /// The server is shutting down: the new connection is asked to drain.
        var draining: Bool
        /// The cap was reached just now, after a time below it: worth one log line.
        var reachedCap: Bool
    }

    private struct State {
        var open: [ObjectIdentifier: Slot] = [:]
        var draining = false
        var atCap = false
        /// The most connections open at once since the heap was last handed back.
        var peakSinceTrim = 0
    }

    /// How far the open connections must fall from their peak before the memory they held is
    /// worth handing back to the system: by half, and by at least this many.
    static let trimDrop = 256

    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        precondition(limit > 0, "the connection cap must be positive")
        self.limit = limit
    }

    func admit(_ channel: any Channel) -> Admission {
        state.withLock { state in
            var shed: (any Channel)?
            var reachedCap = false
            if state.open.count >= limit {
                reachedCap = !state.atCap
                state.atCap = true
                var longestIdle: (slot: Slot, since: UInt64)?
                for slot in state.open.values {
                    if let since = slot.idleSinceNanoseconds, since < longestIdle?.since ?? .max {
                        longestIdle = (slot, since)
                    }
                }
                guard let shedding = longestIdle?.slot else {
                    return Admission(slot: nil, shed: nil, draining: state.draining, reachedCap: reachedCap)
                }
                state.open.removeValue(forKey: ObjectIdentifier(shedding.channel))
                shed = shedding.channel
            } else if state.open.count < limit - limit / 10 {
                // Hysteresis, so that a server hovering at its cap logs once, not per connection.
                state.atCap = false
            }
            let slot = Slot(channel: channel)
            state.open[ObjectIdentifier(channel)] = slot
            state.peakSinceTrim = max(state.peakSinceTrim, state.open.count)
            return Admission(slot: slot, shed: shed, draining: state.draining, reachedCap: reachedCap)
        }
    }

    /// Forgets a closed connection. Returns true when the open connections have fallen far
    /// enough from their peak that the heap should be trimmed (`HeapTrim`); the peak then
    /// starts again from here.
    @discardableResult
    func remove(_ channel: any Channel) -> Bool {
        state.withLock { state in
            state.open.removeValue(forKey: ObjectIdentifier(channel))
            let open = state.open.count
            guard open <= state.peakSinceTrim / 2, state.peakSinceTrim - open >= Self.trimDrop else { return false }
            state.peakSinceTrim = open
            return true
        }
    }

    var count: Int { state.withLock { $0.open.count } }

    var channels: [any Channel] { state.withLock { $0.open.values.map(\.channel) } }

    /// From here on, a connection admitted late is asked to drain at once. Returns the open ones.
    func startDraining() -> [any Channel] {
        state.withLock { state in
            state.draining = true
            return state.open.values.map(\.channel)
        }
    }
}
