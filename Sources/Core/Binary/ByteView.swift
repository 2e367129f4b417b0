/// Byte order of multi-byte values in a binary format.
public enum Endian: String, Sendable, Codable {
    case little, big
}

/// A bounds-checked window onto a ``ByteStorage``.
///
/// All offsets passed in are relative to the window; errors report absolute offsets
/// (`fileOffset`), so a message about a nested structure still points into the original file.
/// Loads are unaligned and checked once; arithmetic on offsets and counts taken from the input
/// is overflow-checked.
public struct ByteView: Sendable {
    public let storage: ByteStorage
    /// Start of the window within `storage`.
    public let start: Int
    /// Number of bytes in the window.
    public let count: Int

    public init(storage: ByteStorage) {
        self.storage = storage
        self.start = 0
        self.count = storage.bytes.count
    }

    @usableFromInline
    init(storage: ByteStorage, start: Int, count: Int) {
        self.storage = storage
        self.start = start
        self.count = count
    }

    /// An owned view of `bytes` (for tests and small inputs).
    public init(_ bytes: [UInt8]) {
        self.init(storage: ByteStorage(copying: bytes))
    }

    public var isEmpty: Bool { count == 0 }

    /// The absolute offset in the storage of relative offset `offset`.
    @inlinable
    public func fileOffset(_ offset: Int) -> Int { start &+ offset }

    /// Checks that `size` bytes at `offset` lie within the window; throws `.truncated` or
    /// `.outOfRange` naming the absolute offset otherwise.
    @inlinable
    public func check(offset: Int, size: Int, what: @autoclosure () -> String = "data") throws(ParseError) {
        guard offset >= 0, size >= 0 else {
            throw ParseError(.outOfRange, offset: fileOffset(max(offset, 0)), "negative offset or size for \(what())")
        }
        let (end, overflow) = offset.addingReportingOverflow(size)
        guard !overflow, end <= count else {
            if offset <= count {
                throw ParseError(.truncated, offset: fileOffset(offset),
                                 "\(what()) needs \(size) bytes, only \(count - offset) remain")
            }
            throw ParseError(.outOfRange, offset: fileOffset(offset),
                             "\(what()) starts past the end of the data (\(count) bytes)")
        }
    }

    /// The sub-window of `size` bytes at `offset`.
    @inlinable
    public func slice(offset: Int, size: Int, what: @autoclosure () -> String = "data") throws(ParseError) -> ByteView {
        try check(offset: offset, size: size, what: what())
        return ByteView(storage: storage, start: start + offset, count: size)
    }

    /// The sub-window of `size` bytes at offset `offset`, where both come from the input as
    /// unsigned 64-bit values.
    @inlinable
    public func slice(offset: UInt64, size: UInt64, what: @autoclosure () -> String = "data") throws(ParseError) -> ByteView {
        guard let o = Int(exactly: offset), let s = Int(exactly: size) else {
            throw ParseError(.outOfRange, offset: fileOffset(0),
                             "\(what()) at 0x\(String(offset, radix: 16)) with size 0x\(String(size, radix: 16)) does not fit")
        }
        return try slice(offset: o, size: s, what: what())
    }

    /// The rest of the window from `offset`.
    @inlinable
    public func suffix(from offset: Int) throws(ParseError) -> ByteView {
        try slice(offset: offset, size: count - min(offset, count))
    }

    /// An unaligned load of a fixed-width integer.
    @inlinable
    public func load<T: FixedWidthInteger>(_: T.Type = T.self, at offset: Int, endian: Endian = .little) throws(ParseError) -> T {
        try check(offset: offset, size: MemoryLayout<T>.size, what: "\(MemoryLayout<T>.size)-byte value")
        let raw = storage.bytes.loadUnaligned(fromByteOffset: start + offset, as: T.self)
        return endian == .little ? T(littleEndian: raw) : T(bigEndian: raw)
    }

    @inlinable public func u8(at offset: Int) throws(ParseError) -> UInt8 { try load(UInt8.self, at: offset) }
    @inlinable public func u16(at offset: Int, _ endian: Endian = .little) throws(ParseError) -> UInt16 { try load(at: offset, endian: endian) }
    @inlinable public func u32(at offset: Int, _ endian: Endian = .little) throws(ParseError) -> UInt32 { try load(at: offset, endian: endian) }
    @inlinable public func u64(at offset: Int, _ endian: Endian = .little) throws(ParseError) -> UInt64 { try load(at: offset, endian: endian) }

    /// A copy of `size` bytes at `offset`.
    @inlinable
    public func bytes(at offset: Int, count size: Int) throws(ParseError) -> [UInt8] {
        try check(offset: offset, size: size, what: "\(size) bytes")
        return Array(storage.bytes[(start + offset)..<(start + offset + size)])
    }

    /// A copy of the whole window.
    public var array: [UInt8] { Array(storage.bytes[start..<(start + count)]) }

    /// The byte at `offset`, or nil when outside the window (for scanning loops).
    @inlinable
    public subscript(safe offset: Int) -> UInt8? {
        offset >= 0 && offset < count ? storage.bytes[start + offset] : nil
    }

    /// Calls `body` with the raw bytes of the window.
    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(rebasing: storage.bytes[start..<(start + count)]))
    }

    /// The bytes up to (not including) the first NUL, or the whole window, decoded as UTF-8
    /// with invalid sequences replaced.
    public func cString(at offset: Int = 0, maxLength: Int? = nil) throws(ParseError) -> String {
        guard offset >= 0, offset <= count else {
            throw ParseError(.outOfRange, offset: fileOffset(offset), "string starts past the end of the data")
        }
        let limit = min(count, maxLength.map { offset + $0 } ?? count)
        return withUnsafeBytes { raw in
            var end = offset
            while end < limit, raw[end] != 0 { end += 1 }
            return String(decoding: UnsafeRawBufferPointer(rebasing: raw[offset..<end]), as: UTF8.self)
        }
    }
}

extension ByteView: Equatable {
    /// Two views are equal when their bytes are equal.
    public static func == (lhs: ByteView, rhs: ByteView) -> Bool {
        lhs.count == rhs.count && lhs.withUnsafeBytes { a in rhs.withUnsafeBytes { b in a.elementsEqual(b) } }
    }
}
