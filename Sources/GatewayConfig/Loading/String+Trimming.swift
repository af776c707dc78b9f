extension StringProtocol {
    /// The text without leading and trailing whitespace (including `\r`, so CRLF files read like LF files).
    var trimmed: String {
        var text = Substring(self)
        while let first = text.unicodeScalars.first, first.properties.isWhitespace {
            text.unicodeScalars.removeFirst()
        }
        while let last = text.unicodeScalars.last, last.properties.isWhitespace {
            text.unicodeScalars.removeLast()
        }
        return String(text)
    }
}
