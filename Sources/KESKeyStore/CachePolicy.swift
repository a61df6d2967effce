/// How long unsealed keys stay in memory (`cache.expiry` in the KES config).
public struct CachePolicy: Sendable, Equatable {
    /// Every entry is dropped this long after it was loaded, while the store is online.
    public var expiryAny: Duration
    /// An entry not used for this long is dropped, while the store is online.
    public var expiryUnused: Duration
    /// While the store is offline, entries are kept this long after it went offline.
    /// Zero keeps them for the whole outage, as KES 2023 does.
    public var expiryOffline: Duration
    /// How often the store's health is probed.
    public var healthInterval: Duration

    public init(
        expiryAny: Duration = .seconds(300),
        expiryUnused: Duration = .seconds(30),
        expiryOffline: Duration = .zero,
        healthInterval: Duration = .seconds(10)
    ) {
        self.expiryAny = expiryAny
        self.expiryUnused = expiryUnused
        self.expiryOffline = expiryOffline
        self.healthInterval = healthInterval
    }
}
