extension Duration {
    /// Whole nanoseconds, for NIO's `TimeAmount` and KES's nanosecond log fields.
    var wholeNanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
