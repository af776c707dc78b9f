extension Double {
    /// The number with a fixed count of decimals and no exponent ("1234.5"), for reports and JSON,
    /// without pulling in Foundation's formatters.
    func formatted(decimals: Int) -> String {
        guard isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (self * scale).rounded()
        let negative = scaled < 0
        let magnitude = UInt64(Swift.min(abs(scaled), 9e18))
        let divisor = UInt64(scale)
        var text = String(magnitude / divisor)
        if decimals > 0 {
            let fraction = String(magnitude % divisor)
            text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return negative && magnitude != 0 ? "-" + text : text
    }
}
