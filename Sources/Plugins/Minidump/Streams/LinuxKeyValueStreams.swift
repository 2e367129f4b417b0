import CrashpipeCore

/// One `key: value` or `key=value` line of a Linux text file copied into the dump.
public struct TextField: Sendable, Encodable, Hashable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// Reading the `/proc` and `/etc` text files Breakpad's Linux writer copies into the dump.
enum LinuxText {
    /// The lines of `text` without their `\n` or `\r\n`. Works on UTF-8 bytes: these files
    /// are ASCII in practice and Character-level splitting is an order of magnitude slower.
    static func lines(_ text: String) -> [Substring] {
        var result: [Substring] = []
        let utf8 = text.utf8
        var start = utf8.startIndex
        var index = start
        while index != utf8.endIndex {
            if utf8[index] == UInt8(ascii: "\n") {
                var end = index
                if end > start, utf8[utf8.index(before: end)] == UInt8(ascii: "\r") { end = utf8.index(before: end) }
                result.append(text[start..<end])
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        var end = utf8.endIndex
        if end > start, utf8[utf8.index(before: end)] == UInt8(ascii: "\r") { end = utf8.index(before: end) }
        result.append(text[start..<end])
        return result
    }

    /// `key<separator>value` split at the first separator (an ASCII character), both trimmed of
    /// blanks; nil when the line has no separator or no key.
    static func field(_ line: Substring, separator: Character, unquoting: Bool = false) -> TextField? {
        guard let byte = separator.asciiValue, let index = line.utf8.firstIndex(of: byte) else { return nil }
        let key = trim(line[..<index])
        guard !key.isEmpty else { return nil }
        let value = trim(line[line.utf8.index(after: index)...])
        return TextField(key: String(key), value: unquoting ? unquote(value) : String(value))
    }

    /// `s` without leading and trailing spaces and tabs.
    static func trim(_ s: Substring) -> Substring {
        let utf8 = s.utf8
        var start = utf8.startIndex, end = utf8.endIndex
        func blank(_ b: UInt8) -> Bool { b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") }
        while start != end, blank(utf8[start]) { start = utf8.index(after: start) }
        while end != start, blank(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        return s[start..<end]
    }

    /// An os-release / lsb-release value: `"text"` or `'text'` without the quotes; inside
    /// double quotes a backslash escapes the next character, as the os-release format says.
    static func unquote(_ value: Substring) -> String {
        guard value.count >= 2, let first = value.first, first == value.last, first == "\"" || first == "'" else {
            return String(value)
        }
        let inner = value.dropFirst().dropLast()
        guard first == "\"" else { return String(inner) }
        var result = ""
        var escaped = false
        for c in inner {
            if escaped { result.append(c); escaped = false } else if c == "\\" { escaped = true } else { result.append(c) }
        }
        if escaped { result.append("\\") }
        return result
    }

    /// Fields as a dictionary; the first of repeated keys wins.
    static func dictionary(_ fields: [TextField]) -> [String: String] {
        var result: [String: String] = [:]
        for field in fields where result[field.key] == nil { result[field.key] = field.value }
        return result
    }
}

/// /proc/cpuinfo (Breakpad stream 0x47670003): one block of `key : value` lines per processor,
/// blocks separated by blank lines. Every block is kept; the report gets the first processor's
/// fields (`LinuxDetails.cpuInfo`).
public struct LinuxCpuInfo: MinidumpStream {
    public static let streamType = StreamType.linuxCpuInfo

    public var text: String
    /// The fields of each blank-line-separated block, in order.
    public var processors: [[TextField]]
    let data: ByteView

    enum CodingKeys: String, CodingKey { case processors }

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        self.data = data
        text = StreamStrings.fullText(data)
        var blocks: [[TextField]] = []
        var current: [TextField] = []
        for line in LinuxText.lines(text) {
            if LinuxText.trim(line).isEmpty {
                if !current.isEmpty { blocks.append(current); current = [] }
            } else if let field = LinuxText.field(line, separator: ":") {
                current.append(field)
            }
        }
        if !current.isEmpty { blocks.append(current) }
        processors = blocks
    }

    /// The first block's fields ("processor", "vendor_id", "model name", ...).
    public var firstProcessor: [String: String] { LinuxText.dictionary(processors.first ?? []) }

    /// Breakpad's minidump_dump prints the file as it is.
    public func dump(to out: inout DumpPrinter) { out.rawStream("MD_LINUX_CPU_INFO", data) }
}

/// /proc/<pid>/status (Breakpad stream 0x47670004): `Key:\tvalue` lines (Name, State, Pid,
/// PPid, Uid, VmRSS, ...). Fills `LinuxDetails.procStatus`.
public struct LinuxProcStatus: MinidumpStream {
    public static let streamType = StreamType.linuxProcStatus

    public var fields: [TextField]
    let data: ByteView

    enum CodingKeys: String, CodingKey { case fields }

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        self.data = data
        fields = LinuxText.lines(StreamStrings.fullText(data)).compactMap { LinuxText.field($0, separator: ":") }
    }

    public var dictionary: [String: String] { LinuxText.dictionary(fields) }

    /// The process id from the `Pid` line.
    public var pid: UInt32? { dictionary["Pid"].flatMap { UInt32($0) } }

    /// Breakpad's minidump_dump prints the file as it is.
    public func dump(to out: inout DumpPrinter) { out.rawStream("MD_LINUX_PROC_STATUS", data) }
}

/// /etc/lsb-release (Breakpad stream 0x47670005), or /etc/os-release where the writer used it:
/// `KEY=value` lines, values optionally quoted; `#` lines are comments. The non-empty lines are
/// kept as they are. Fills `LinuxDetails.lsbRelease`.
public struct LinuxLsbRelease: MinidumpStream {
    public static let streamType = StreamType.linuxLsbRelease

    /// Non-empty lines, as in the file.
    public var lines: [String]
    public var fields: [TextField]
    let data: ByteView

    enum CodingKeys: String, CodingKey { case lines, fields }

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        self.data = data
        let all = LinuxText.lines(StreamStrings.fullText(data))
        lines = all.filter { !LinuxText.trim($0).isEmpty }.map(String.init)
        fields = all.compactMap { line in
            let trimmed = LinuxText.trim(line)
            guard !trimmed.hasPrefix("#") else { return nil }
            return LinuxText.field(trimmed, separator: "=", unquoting: true)
        }
    }

    public var dictionary: [String: String] { LinuxText.dictionary(fields) }

    /// "Ubuntu 14.04 LTS": DISTRIB_DESCRIPTION, else PRETTY_NAME, else NAME and VERSION_ID.
    public var distribution: String? {
        let d = dictionary
        if let description = d["DISTRIB_DESCRIPTION"] ?? d["PRETTY_NAME"] { return description }
        guard let name = d["DISTRIB_ID"] ?? d["NAME"] else { return nil }
        return [name, d["DISTRIB_RELEASE"] ?? d["VERSION_ID"]].compactMap { $0 }.joined(separator: " ")
    }

    /// Breakpad's minidump_dump prints the file as it is.
    public func dump(to out: inout DumpPrinter) { out.rawStream("MD_LINUX_LSB_RELEASE", data) }
}
