import CrashpipeCore

/// Splitting the NUL-separated `/proc` files (cmdline, environ).
enum NulSeparated {
    /// The NUL-separated items of `data` as UTF-8 (invalid bytes replaced). A final NUL ends the
    /// last item rather than starting an empty one.
    static func items(_ data: ByteView) -> [String] {
        data.withUnsafeBytes { raw in
            var items: [String] = []
            var start = 0
            while start < raw.count {
                var end = start
                while end < raw.count, raw[end] != 0 { end += 1 }
                items.append(String(decoding: UnsafeRawBufferPointer(rebasing: raw[start..<end]), as: UTF8.self))
                start = end + 1
            }
            return items
        }
    }
}

/// /proc/<pid>/cmdline (Breakpad stream 0x47670006): the arguments, each ended by a NUL.
/// (A process that rewrote its argv may have one space-separated string instead.)
/// Fills `LinuxDetails.commandLine` and `ProcessDetails.commandLine`.
public struct LinuxCmdLine: MinidumpStream {
    public static let streamType = StreamType.linuxCmdLine

    public var arguments: [String]
    let data: ByteView

    enum CodingKeys: String, CodingKey { case arguments }

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        self.data = data
        arguments = NulSeparated.items(data)
    }

    /// Breakpad's minidump_dump prints the file as it is, each NUL as `\0` and a line break.
    public func dump(to out: inout DumpPrinter) { out.rawStream("MD_LINUX_CMD_LINE", data) }
}

/// /proc/<pid>/environ (Breakpad stream 0x47670007): `NAME=value` entries, each ended by a NUL.
/// Fills `LinuxDetails.environment` (the scrub stage decides what is kept).
public struct LinuxEnviron: MinidumpStream {
    public static let streamType = StreamType.linuxEnviron

    /// Every entry in order, split at the first `=`; an entry without one has an empty value.
    public var variables: [TextField]
    let data: ByteView

    enum CodingKeys: String, CodingKey { case variables }

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        self.data = data
        variables = NulSeparated.items(data).compactMap { item in
            guard !item.isEmpty else { return nil }
            guard let index = item.firstIndex(of: "=") else { return TextField(key: item, value: "") }
            return TextField(key: String(item[..<index]), value: String(item[item.index(after: index)...]))
        }
    }

    /// Variables by name; the first of repeated names wins, as `getenv` finds it.
    public var dictionary: [String: String] { LinuxText.dictionary(variables) }

    /// Breakpad's minidump_dump prints the file as it is, each NUL as `\0` and a line break.
    public func dump(to out: inout DumpPrinter) { out.rawStream("MD_LINUX_ENVIRON", data) }
}
