import CrashpipeCore

/// /proc/<pid>/maps (Breakpad stream 0x47670009): the process's memory mappings, one per line:
/// `start-end perms offset dev inode [path]` (addresses and offset in hex, inode in decimal;
/// the path may contain spaces and may end in " (deleted)").
///
/// A line that is not a mapping, or whose end is below its start, is a problem of that line;
/// the others are still read. A non-empty stream in which no line is a mapping is not a maps
/// file at all and is an error. Fills `LinuxDetails.maps`.
public struct LinuxMaps: MinidumpStream {
    public static let streamType = StreamType.linuxMaps
    /// Problems beyond this many are counted, not listed.
    static let maxProblems = 20

    public var mappings: [LinuxDetails.MemoryMapping]
    /// "line 3: ...", at most ``maxProblems`` of them, then a count of the rest.
    public var problems: [String]
    let data: ByteView

    enum CodingKeys: String, CodingKey { case mappings, problems }

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        self.data = data
        mappings = []
        problems = []
        var failures = 0
        var firstFailure: String?
        for (number, line) in LinuxText.lines(StreamStrings.fullText(data)).enumerated() {
            guard !LinuxText.trim(line).isEmpty else { continue }
            switch Self.parse(line) {
            case .success(let mapping):
                mappings.append(mapping)
            case .failure(let failure):
                failures += 1
                let problem = "line \(number + 1): \(failure.reason)"
                if firstFailure == nil { firstFailure = problem }
                if problems.count < Self.maxProblems { problems.append(problem) }
            }
        }
        if failures > Self.maxProblems { problems.append("\(failures - Self.maxProblems) more lines are not mappings") }
        if mappings.isEmpty, let firstFailure {
            throw ParseError(.invalidValue, offset: data.fileOffset(0), context: "LinuxMaps stream",
                             "no line is a memory mapping (\(failures) lines; \(firstFailure))")
        }
    }

    struct LineError: Error { let reason: String }

    /// One maps line.
    static func parse(_ line: Substring) -> Result<LinuxDetails.MemoryMapping, LineError> {
        var rest = LinuxText.trim(line)
        func token() -> Substring? {
            guard let end = rest.firstIndex(where: { $0 == " " || $0 == "\t" }) else {
                defer { rest = rest[rest.endIndex...] }
                return rest.isEmpty ? nil : rest
            }
            let word = rest[..<end]
            rest = LinuxText.trim(rest[end...])
            return word
        }
        guard let range = token(), let perms = token(), let offsetText = token(), let device = token(),
              let inodeText = token() else {
            return .failure(LineError(reason: "fewer than the 5 fields of a mapping"))
        }
        let bounds = range.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard bounds.count == 2, let start = UInt64(bounds[0], radix: 16), let end = UInt64(bounds[1], radix: 16) else {
            return .failure(LineError(reason: "\"\(range.prefix(40))\" is not a start-end address range"))
        }
        guard end >= start else {
            return .failure(LineError(reason: "range \(formatHex(start))-\(formatHex(end)) ends before it starts"))
        }
        guard let offset = UInt64(offsetText, radix: 16) else {
            return .failure(LineError(reason: "offset \"\(offsetText.prefix(40))\" is not hex"))
        }
        guard let inode = UInt64(inodeText) else {
            return .failure(LineError(reason: "inode \"\(inodeText.prefix(40))\" is not a number"))
        }
        let path = LinuxText.trim(rest)
        return .success(LinuxDetails.MemoryMapping(start: start, end: end, permissions: String(perms), offset: offset,
                                                   device: String(device), inode: inode,
                                                   path: path.isEmpty ? nil : String(path)))
    }

    /// The mapping holding `address`, if any.
    public func mapping(containing address: UInt64) -> LinuxDetails.MemoryMapping? {
        mappings.first { address >= $0.start && address < $0.end }
    }

    /// Breakpad's minidump_dump prints the file as it is.
    public func dump(to out: inout DumpPrinter) { out.rawStream("MD_LINUX_MAPS", data) }
}
