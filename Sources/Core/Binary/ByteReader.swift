/// A cursor over a ``ByteView`` that reads values in one byte order.
///
/// Reading past the end throws a ``ParseError`` naming the absolute offset and `context`.
/// The read methods are inlinable so that plugins get specialized, bounds-checked loads.
public struct ByteReader: Sendable {
    public let view: ByteView
    public let endian: Endian
    /// Current position, relative to `view`.
    public var offset: Int
    /// What is being read, added to errors ("ModuleList stream").
    public var context: String?

    public init(_ view: ByteView, endian: Endian = .little, offset: Int = 0, context: String? = nil) {
        self.view = view
        self.endian = endian
        self.offset = offset
        self.context = context
    }

    public var remaining: Int { max(0, view.count - offset) }
    public var isAtEnd: Bool { offset >= view.count }
    /// The absolute offset of the cursor.
    public var fileOffset: Int { view.fileOffset(offset) }

    @usableFromInline
    func tagged(_ error: ParseError) -> ParseError {
        context.map { error.within($0) } ?? error
    }

    @inlinable
    public mutating func read<T: FixedWidthInteger>(_ type: T.Type = T.self) throws(ParseError) -> T {
        do {
            let value: T = try view.load(at: offset, endian: endian)
            offset &+= MemoryLayout<T>.size
            return value
        } catch { throw tagged(error) }
    }

    @inlinable public mutating func u8() throws(ParseError) -> UInt8 { try read() }
    @inlinable public mutating func u16() throws(ParseError) -> UInt16 { try read() }
    @inlinable public mutating func u32() throws(ParseError) -> UInt32 { try read() }
    @inlinable public mutating func u64() throws(ParseError) -> UInt64 { try read() }
    @inlinable public mutating func i32() throws(ParseError) -> Int32 { try read() }
    @inlinable public mutating func i64() throws(ParseError) -> Int64 { try read() }

    /// `count` raw bytes.
    @inlinable
    public mutating func bytes(_ count: Int) throws(ParseError) -> [UInt8] {
        do {
            let value = try view.bytes(at: offset, count: count)
            offset += count
            return value
        } catch { throw tagged(error) }
    }

    /// A sub-view of `count` bytes at the cursor.
    @inlinable
    public mutating func view(_ count: Int, what: String = "data") throws(ParseError) -> ByteView {
        do {
            let value = try view.slice(offset: offset, size: count, what: what)
            offset += count
            return value
        } catch { throw tagged(error) }
    }

    /// Skips `count` bytes, checking that they exist.
    @inlinable
    public mutating func skip(_ count: Int) throws(ParseError) {
        do { try view.check(offset: offset, size: count, what: "skipped bytes") } catch { throw tagged(error) }
        offset += count
    }

    /// `count` values read with `element`, after checking that `count * elementSize` bytes
    /// remain, so an absurd count from the input fails before any allocation.
    @inlinable
    public mutating func array<T>(count: Int, elementSize: Int, what: String,
                                  _ element: (inout ByteReader) throws(ParseError) -> T) throws(ParseError) -> [T] {
        let (total, overflow) = count.multipliedReportingOverflow(by: elementSize)
        guard count >= 0, !overflow, total <= remaining else {
            throw tagged(ParseError(.absurdCount, offset: fileOffset,
                                    "\(count) \(what) of \(elementSize) bytes do not fit in the \(remaining) bytes left"))
        }
        var result: [T] = []
        result.reserveCapacity(count)
        for _ in 0..<count { result.append(try element(&self)) }
        return result
    }
}
