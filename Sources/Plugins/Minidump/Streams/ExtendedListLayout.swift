import CrashpipeCore

/// Where the entries of a list stream with the newer "extended" header are: `size_of_header`,
/// `size_of_entry`, then a 32- or 64-bit entry count (unloaded modules, memory info, thread info,
/// handle data).
///
/// The sizes let a writer grow the structures, so entries are stepped by `size_of_entry` and only
/// the fields crashpipe knows are read from each. A header size smaller than the fields the
/// format defines, or larger than the stream, is corrected with a warning; an entry size smaller
/// than the known fields cannot be read and is an error; a count larger than the stream can hold
/// is cut to what fits, with a warning, before anything is allocated.
struct ExtendedListLayout {
    /// The header size as recorded.
    var declaredHeaderSize: UInt32
    /// The entry size as recorded (and used to step through the entries).
    var entrySize: Int
    /// The entry count as recorded.
    var declaredCount: UInt64
    /// Entries that are read.
    var count: Int
    /// Offset of the first entry within the stream.
    var start: Int
    var warnings: [String] = []

    /// - Parameters:
    ///   - fixedHeaderSize: the bytes of the header the format defines (12 or 16).
    ///   - minimumEntrySize: the bytes of each entry crashpipe reads.
    init(_ data: ByteView, endian: Endian, countIs64Bit: Bool = false, fixedHeaderSize: Int,
         minimumEntrySize: Int, what: String) throws(ParseError) {
        var r = ByteReader(data, endian: endian, context: "\(what) list header")
        declaredHeaderSize = try r.u32()
        let rawEntrySize = try r.u32()
        declaredCount = countIs64Bit ? try r.u64() : UInt64(try r.u32())
        try data.check(offset: 0, size: fixedHeaderSize, what: "\(what) list header")

        var start = Int(declaredHeaderSize)
        if start < fixedHeaderSize {
            warnings.append("size_of_header is \(declaredHeaderSize), smaller than the \(fixedHeaderSize)-byte header; using \(fixedHeaderSize)")
            start = fixedHeaderSize
        } else if start > data.count {
            warnings.append("size_of_header is \(declaredHeaderSize) but the stream has only \(data.count) bytes")
            start = data.count
        }
        guard Int(rawEntrySize) >= minimumEntrySize else {
            throw ParseError(.invalidValue, offset: data.fileOffset(4), context: "\(what) list header",
                             "size_of_entry is \(rawEntrySize), smaller than the \(minimumEntrySize) bytes of one \(what)")
        }
        entrySize = Int(rawEntrySize)
        self.start = start
        let fits = (data.count - start) / entrySize
        if declaredCount > UInt64(fits) {
            warnings.append("\(what) count is \(declaredCount) but the stream holds only \(fits); reading \(fits)")
            count = fits
        } else {
            count = Int(declaredCount)
        }
    }

    /// The bytes of entry `index` (exactly `entrySize` long; it always fits).
    func entry(_ index: Int, in data: ByteView, what: String) throws(ParseError) -> ByteView {
        try data.slice(offset: start + index * entrySize, size: entrySize, what: "\(what) \(index)")
    }
}
