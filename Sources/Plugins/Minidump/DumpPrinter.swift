import CrashpipeCore

/// Builds the human-readable dump of `crashpipe dump`, in the layout of Breakpad's
/// minidump_dump: a title line, then `key = value` lines aligned per block, blocks separated by
/// blank lines.
public struct DumpPrinter {
    public private(set) var text = ""
    /// The dump's operating system, which changes how some identifiers print.
    public var os: OS?

    public init() {}

    /// A plain line.
    public mutating func line(_ s: String = "") {
        text += s
        text += "\n"
    }

    /// A titled block of fields, with the `=` signs aligned, followed by a blank line unless
    /// `trailingBlank` is false.
    /// `width` fixes the key column (Breakpad prints some structures with a fixed width);
    /// by default it is the longest key.
    public mutating func block(_ title: String?, _ fields: [(String, String)], width fixedWidth: Int? = nil,
                               trailingBlank: Bool = true) {
        if let title { line(title) }
        // A field with an empty value and a key ending in ':' is a sub-heading, printed alone.
        func isHeading(_ field: (String, String)) -> Bool { field.1.isEmpty && field.0.hasSuffix(":") }
        let width = fixedWidth ?? fields.filter { !isHeading($0) }.map(\.0.count).max() ?? 0
        for field in fields {
            if isHeading(field) { line("  " + field.0); continue }
            line("  " + field.0 + String(repeating: " ", count: max(0, width - field.0.count)) + " = " + field.1)
        }
        if trailingBlank { line() }
    }

    /// A CPU context's structure, titled with its name.
    public mutating func context(_ context: DecodedContext) {
        block(context.structureName, context.fields.map { ($0.name, $0.value) })
    }

    /// `0x` and lower-case hex, as minidump_dump prints most fields.
    public static func hex<T: BinaryInteger>(_ value: T) -> String { formatHex(value) }

    /// `"text"`, as minidump_dump prints strings.
    public static func quoted(_ s: String) -> String { "\"" + s + "\"" }

    /// `0x45d35f73 2007-02-14 19:13:55`: a time_t in hex and as UTC.
    public static func time(_ t: UInt32) -> String { formatHex(t) + " " + utcDate(UInt64(t)) }

    /// All bytes as one hex string prefixed with `0x`.
    public static func hexBytes(_ view: ByteView) -> String {
        "0x" + view.withUnsafeBytes { hexDigits($0, uppercase: false) }
    }
}

/// `YYYY-MM-DD HH:MM:SS` in UTC for seconds since the Unix epoch.
public func utcDate(_ seconds: UInt64) -> String {
    let days = Int64(seconds / 86_400)
    let rest = Int(seconds % 86_400)
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
    return "\(year)-\(two(month))-\(two(day)) \(two(Int64(rest / 3600))):\(two(Int64(rest / 60 % 60))):\(two(Int64(rest % 60)))"
}
