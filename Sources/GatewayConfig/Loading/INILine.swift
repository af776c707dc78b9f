/// One meaningful line of an INI file: a section header or a `key = value` setting.
///
/// Headers are kept (not just settings) so that an unknown but empty section is still reported at its line.
enum INILine: Equatable {
    /// `[name]` at `line` (1-based).
    case section(name: String, line: Int)
    /// `key = value` inside `section` at `line` (1-based).
    case setting(section: String, key: String, value: String, line: Int)
}
