import CrashpipeCore

// The in-memory form of one Breakpad symbol file: flat arrays of fixed-size records, sorted by
// address, plus the bytes that names, file names and rule texts point into.
//
// Nothing here refers to the text format: the text parser (`BreakpadTextParser`) fills a table
// in one pass over the file, and `BreakpadSymbols` answers lookups from it. A compact on-disk
// cache can later write these arrays out as they are (every record is plain old data) and map
// them back, pointing `strings` at its own string section instead of the `.sym` text.

/// A run of bytes in ``BreakpadSymbolTable/strings`` (a name, a path or a rule text).
struct TextRange: Hashable {
    var offset: Int
    var length: UInt32

    static let empty = TextRange(offset: 0, length: 0)
}

/// A `FUNC` record. Its line records are `lineStart ..< lineStart + lineCount` of the table's
/// line arrays (sorted by address, without overlaps); its inline records likewise in `inlines`
/// (sorted by depth, then address).
struct FunctionRecord {
    var address: UInt64
    var size: UInt64
    var name: TextRange
    var parameterSize: UInt32
    var lineStart: UInt32
    var lineCount: UInt32
    var inlineStart: UInt32
    var inlineCount: UInt32

    @inline(__always) func covers(_ target: UInt64) -> Bool {
        target >= address && target - address < size
    }
}

/// The part of a line record that is not its address (addresses live in their own array so
/// that the binary search touches only them).
struct LineRecord {
    var size: UInt32
    var line: UInt32
    /// The `FILE` id.
    var file: UInt32
}

/// How an `INLINE` record names the file of its call site.
enum CallSiteFile: UInt8 {
    /// New syntax: `callFile` is a `FILE` id.
    case id
    /// New syntax with file id -1: no file.
    case none
    /// Old syntax (no call-site file field): the file is that of the enclosing code.
    case enclosing
}

/// One address range of an `INLINE` record (a record with several ranges becomes several of these).
struct InlineRecord {
    var address: UInt64
    var size: UInt32
    var depth: UInt32
    var callLine: UInt32
    var callFile: UInt32
    var origin: UInt32
    var callFileKind: CallSiteFile

    @inline(__always) func covers(_ target: UInt64) -> Bool {
        target >= address && target - address < UInt64(size)
    }
}

/// A `PUBLIC` record (its address is in the table's `publicAddresses`).
struct PublicRecord {
    var name: TextRange
    var parameterSize: UInt32
}

/// A `FILE` record.
struct FileRecord {
    var id: UInt32
    var name: TextRange
}

/// An `INLINE_ORIGIN` record. `file` is `UInt32.max` unless the old syntax gave a file id.
struct OriginRecord {
    var id: UInt32
    var file: UInt32
    var name: TextRange
}

/// A `STACK CFI INIT` record with its `STACK CFI` deltas at `deltaStart ..< deltaStart + deltaCount`
/// (sorted by address).
struct CFIRecord {
    var address: UInt64
    var size: UInt64
    var rules: TextRange
    var deltaStart: UInt32
    var deltaCount: UInt32

    @inline(__always) func covers(_ target: UInt64) -> Bool {
        target >= address && target - address < size
    }
}

/// A `STACK CFI` delta record.
struct CFIDelta {
    var address: UInt64
    var rules: TextRange
}

/// A `STACK WIN` record of type 4 (frame data) or 0 (FPO).
struct WindowsFrameRecord {
    var address: UInt64
    var size: UInt64
    var prologSize: UInt32
    var epilogSize: UInt32
    var parameterSize: UInt32
    var savedRegisterSize: UInt32
    var localSize: UInt32
    var maxStackSize: UInt32
    /// Empty for records without a program string.
    var program: TextRange
    var type: UInt8
    var allocatesBasePointer: Bool

    @inline(__always) func covers(_ target: UInt64) -> Bool {
        target >= address && target - address < size
    }

    /// The last address covered; nil for an empty or overflowing range.
    var lastAddress: UInt64? {
        guard size > 0 else { return nil }
        let (last, overflow) = address.addingReportingOverflow(size - 1)
        return overflow ? nil : last
    }
}

/// The `MODULE` and `INFO CODE_ID` records, as text ranges.
struct ModuleRecordRanges {
    var os = TextRange.empty
    var cpu = TextRange.empty
    var debugId = TextRange.empty
    var debugFile = TextRange.empty
    var codeId: TextRange?
    var codeFile: TextRange?
}

/// Everything a lookup needs, in sorted arrays. Address arrays run parallel to their record arrays.
struct BreakpadSymbolTable: Sendable {
    /// The bytes every ``TextRange`` points into (the mapped `.sym` file for the text parser).
    var strings: ByteView
    var module: ModuleRecordRanges?

    var functionAddresses: [UInt64] = []
    var functions: [FunctionRecord] = []
    var lineAddresses: [UInt64] = []
    var lines: [LineRecord] = []
    var inlines: [InlineRecord] = []
    var publicAddresses: [UInt64] = []
    var publics: [PublicRecord] = []
    /// Sorted by id.
    var files: [FileRecord] = []
    /// Sorted by id.
    var origins: [OriginRecord] = []
    var cfiAddresses: [UInt64] = []
    var cfi: [CFIRecord] = []
    var cfiDeltas: [CFIDelta] = []
    var frameDataAddresses: [UInt64] = []
    var frameData: [WindowsFrameRecord] = []
    var fpoAddresses: [UInt64] = []
    var fpo: [WindowsFrameRecord] = []

    init(strings: ByteView) {
        self.strings = strings
    }

    /// The text of `range`, decoded as UTF-8 (invalid sequences replaced).
    func string(_ range: TextRange) -> String {
        guard range.length > 0, range.offset >= 0, range.offset + Int(range.length) <= strings.count else { return "" }
        return strings.withUnsafeBytes { raw in
            String(decoding: UnsafeRawBufferPointer(rebasing: raw[range.offset..<(range.offset + Int(range.length))]),
                   as: UTF8.self)
        }
    }

    /// The name of `FILE` `id`, if the file declares it.
    func fileName(_ id: UInt32) -> String? {
        guard let index = files.lastIndex(notAbove: id, key: { $0.id }), files[index].id == id else { return nil }
        return string(files[index].name)
    }

    /// The `INLINE_ORIGIN` with `id`, if the file declares it.
    func origin(_ id: UInt32) -> OriginRecord? {
        guard let index = origins.lastIndex(notAbove: id, key: { $0.id }), origins[index].id == id else { return nil }
        return origins[index]
    }
}

extension Array {
    /// The index of the last element whose `key` is at most `value`, in an array sorted by
    /// `key`, searching `range` (the whole array by default). O(log n).
    @inline(__always)
    func lastIndex<K: Comparable>(notAbove value: K, key: (Element) -> K, in range: Range<Int>? = nil) -> Int? {
        let bounds = range ?? indices
        return withUnsafeBufferPointer { buffer in
            var low = bounds.lowerBound
            var high = bounds.upperBound
            while low < high {
                let middle = low &+ (high &- low) >> 1
                if key(buffer[middle]) <= value { low = middle &+ 1 } else { high = middle }
            }
            return low == bounds.lowerBound ? nil : low &- 1
        }
    }
}

extension Array where Element == UInt64 {
    /// The index of the last address at most `value` in `range` of a sorted address array. O(log n).
    @inline(__always)
    func lastIndex(notAbove value: UInt64, in range: Range<Int>? = nil) -> Int? {
        lastIndex(notAbove: value, key: { $0 }, in: range)
    }
}
