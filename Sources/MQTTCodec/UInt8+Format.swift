extension UInt8 {
    /// "0x0A": the byte as two upper-case hex digits, for error messages about flag and code bytes.
    var hexString: String {
        let digits = String(self, radix: 16, uppercase: true)
        return self < 0x10 ? "0x0\(digits)" : "0x\(digits)"
    }

    /// "0b0010": the low four bits, for error messages about fixed-header flags.
    var nibbleString: String {
        let digits = String(self & 0x0F, radix: 2)
        return "0b" + String(repeating: "0", count: 4 - digits.count) + digits
    }
}
