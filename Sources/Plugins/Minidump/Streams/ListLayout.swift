import CrashpipeCore

/// Where the entries of a counted list stream (`u32 count` then fixed-size entries) are.
///
/// Some writers pad the count to 8 bytes (Breakpad accepts that, so do we). A count larger than
/// the stream can hold is cut to the entries that fit, with a warning: a partial list is more
/// useful than none, and no allocation follows the bogus count.
struct ListLayout {
    var count: Int
    /// Offset of the first entry within the stream.
    var start: Int
    var warning: String?

    init(_ data: ByteView, endian: Endian, headerSize: Int = 4, elementSize: Int, what: String) throws(ParseError) {
        let declared = Int(try data.u32(at: 0, endian))
        var start = headerSize
        let exact = declared.multipliedReportingOverflow(by: elementSize)
        if !exact.overflow, data.count == headerSize + exact.partialValue + 4, headerSize == 4 {
            start = 8
        }
        let fits = max(0, data.count - start) / elementSize
        if declared > fits {
            count = fits
            warning = "\(what) count is \(declared) but the stream holds only \(fits); reading \(fits)"
        } else {
            count = declared
        }
        self.start = start
    }
}
