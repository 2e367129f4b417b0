// A byte assembler for synthetic test files, in the spirit of Breakpad's
// `test_assembler::Section`: integers in a chosen byte order, raw bytes, strings,
// alignment, and labels that are resolved when the final file is laid out.
//
// Nothing here knows about any parser type: every byte is written from field values.

/// The byte order of a synthetic file.
///
/// `.little` produces ordinary `MDMP` minidumps; `.big` byte-swaps every multi-byte
/// field, so the signature reads `PMDM` on disk.
public enum SynthEndian: Sendable, Hashable, CustomStringConvertible {
    case little
    case big

    /// Encodes the low `width` bytes of `value` in this byte order.
    public func encode(_ value: UInt64, width: Int) -> [UInt8] {
        precondition([1, 2, 4, 8].contains(width), "unsupported integer width \(width)")
        var out = [UInt8](repeating: 0, count: width)
        for i in 0..<width {
            let byte = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))
            switch self {
            case .little: out[i] = byte
            case .big: out[width - 1 - i] = byte
            }
        }
        return out
    }

    public var description: String { self == .little ? "little-endian" : "big-endian" }
}

/// A value that is not known while bytes are being appended: typically the file offset
/// (RVA) of a section, or the size of a section, resolved when the file is laid out.
///
/// A label is bound in one of three ways:
/// - `set(_:)` gives it a constant;
/// - `ByteSection.mark(_:)` places it at a position (its value becomes that file offset);
/// - `offset(by:)` derives a new label from another one plus a delta.
///
/// After a successful `ByteSection.contents()` / `SyntheticMinidump.build()` that used the
/// label, `resolvedValue` holds the value it got in that layout.
public final class SynthLabel: CustomStringConvertible {
    enum Binding {
        case free
        case constant(UInt64)
        case relative(SynthLabel, Int64)
    }

    /// A name used in diagnostics only.
    public let name: String
    var binding: Binding = .free
    /// The value this label had in the most recent layout that used it.
    public internal(set) var resolvedValue: UInt64?

    /// Creates a free label, to be placed with `ByteSection.mark(_:)` or given a value with `set(_:)`.
    public init(_ name: String = "label") {
        self.name = name
    }

    /// Creates a label with a constant value.
    public convenience init(constant: UInt64, name: String = "constant") {
        self.init(name)
        binding = .constant(constant)
    }

    /// Gives this label a constant value (replacing any earlier constant).
    public func set(_ value: UInt64) {
        binding = .constant(value)
    }

    /// A new label whose value is this label's value plus `delta`.
    public func offset(by delta: Int64) -> SynthLabel {
        let derived = SynthLabel("\(name)\(delta >= 0 ? "+" : "")\(delta)")
        derived.binding = .relative(self, delta)
        return derived
    }

    /// The constant value, if the label was bound with `set(_:)`/`init(constant:)`.
    public var constantValue: UInt64? {
        if case .constant(let v) = binding { return v }
        return nil
    }

    public var description: String {
        "SynthLabel(\(name)\(resolvedValue.map { " = 0x" + String($0, radix: 16) } ?? ""))"
    }
}

/// A `MINIDUMP_LOCATION_DESCRIPTOR` to be: the RVA and size of something in the file,
/// both as labels so they can be written before the thing is placed.
public struct SynthLocation {
    public var rva: SynthLabel
    public var size: SynthLabel

    public init(rva: SynthLabel, size: SynthLabel) {
        self.rva = rva
        self.size = size
    }

    /// A location with fixed values (for pointing at arbitrary, possibly bogus, places).
    public static func constant(rva: UInt32, size: UInt32) -> SynthLocation {
        SynthLocation(rva: SynthLabel(constant: UInt64(rva), name: "rva"),
                      size: SynthLabel(constant: UInt64(size), name: "size"))
    }

    /// A zero location (`data_size = 0, rva = 0`), the conventional "absent" value.
    public static var zero: SynthLocation { constant(rva: 0, size: 0) }
}

/// Errors from laying out a section whose labels cannot all be resolved.
public enum SynthLayoutError: Error, CustomStringConvertible {
    case unresolvedLabel(String)
    case conflictingLabel(String, UInt64, UInt64)
    case labelCycle(String)
    case valueTooWide(label: String, value: UInt64, width: Int)

    public var description: String {
        switch self {
        case .unresolvedLabel(let n): return "label '\(n)' was never placed or given a value"
        case .conflictingLabel(let n, let a, let b):
            return "label '\(n)' has constant 0x\(String(a, radix: 16)) but is placed at 0x\(String(b, radix: 16))"
        case .labelCycle(let n): return "label '\(n)' is defined in terms of itself"
        case .valueTooWide(let n, let v, let w):
            return "label '\(n)' value 0x\(String(v, radix: 16)) does not fit in \(w) byte(s)"
        }
    }
}

/// A growable run of bytes in one byte order, with label references that are patched
/// when the section (or the file it is appended into) is laid out.
///
/// Appending a section copies its bytes, its label placements and its pending label
/// references into the parent, shifted to where it lands; it also sets the appended
/// section's `finalSize` label. Later changes to the appended section do not reach the
/// parent. Every append method returns `self` so calls can be chained.
public final class ByteSection {
    struct Fixup {
        var offset: Int
        var width: Int
        var label: SynthLabel
        var addend: Int64
        var endian: SynthEndian
    }

    /// The byte order used for integers and UTF-16 written into this section.
    public let endian: SynthEndian
    /// The bytes so far; label references read as zero until `contents()` patches them.
    public private(set) var rawBytes: [UInt8] = []
    var fixups: [Fixup] = []
    var marks: [(label: SynthLabel, offset: Int)] = []

    /// The file offset of this section's first byte, once it is laid out.
    public let start: SynthLabel
    /// This section's size, set when it is appended somewhere (or laid out as a root).
    public let finalSize: SynthLabel

    /// Creates an empty section.
    public init(endian: SynthEndian = .little, name: String = "section") {
        self.endian = endian
        start = SynthLabel("\(name).start")
        finalSize = SynthLabel("\(name).size")
        marks.append((start, 0))
    }

    /// Creates a section holding `bytes`.
    public convenience init(endian: SynthEndian = .little, bytes: [UInt8], name: String = "section") {
        self.init(endian: endian, name: name)
        rawBytes = bytes
    }

    /// The number of bytes appended so far.
    public var size: Int { rawBytes.count }

    /// This section's location (`start`, `finalSize`), for `MINIDUMP_LOCATION_DESCRIPTOR`s.
    public var location: SynthLocation { SynthLocation(rva: start, size: finalSize) }

    // MARK: integers

    /// Appends the low `width` bytes of `value` in the section's byte order.
    @discardableResult
    public func int(_ value: UInt64, width: Int) -> ByteSection {
        rawBytes += endian.encode(value, width: width)
        return self
    }

    @discardableResult public func u8(_ v: UInt8) -> ByteSection { int(UInt64(v), width: 1) }
    @discardableResult public func u16(_ v: UInt16) -> ByteSection { int(UInt64(v), width: 2) }
    @discardableResult public func u32(_ v: UInt32) -> ByteSection { int(UInt64(v), width: 4) }
    @discardableResult public func u64(_ v: UInt64) -> ByteSection { int(v, width: 8) }
    @discardableResult public func i32(_ v: Int32) -> ByteSection { u32(UInt32(bitPattern: v)) }
    @discardableResult public func i64(_ v: Int64) -> ByteSection { u64(UInt64(bitPattern: v)) }

    /// Appends a `width`-byte reference to `label` (+ `addend`), patched at layout time.
    @discardableResult
    public func int(_ label: SynthLabel, plus addend: Int64 = 0, width: Int) -> ByteSection {
        precondition([1, 2, 4, 8].contains(width), "unsupported integer width \(width)")
        fixups.append(Fixup(offset: rawBytes.count, width: width, label: label, addend: addend, endian: endian))
        rawBytes += [UInt8](repeating: 0, count: width)
        return self
    }

    @discardableResult public func u8(_ l: SynthLabel, plus a: Int64 = 0) -> ByteSection { int(l, plus: a, width: 1) }
    @discardableResult public func u16(_ l: SynthLabel, plus a: Int64 = 0) -> ByteSection { int(l, plus: a, width: 2) }
    @discardableResult public func u32(_ l: SynthLabel, plus a: Int64 = 0) -> ByteSection { int(l, plus: a, width: 4) }
    @discardableResult public func u64(_ l: SynthLabel, plus a: Int64 = 0) -> ByteSection { int(l, plus: a, width: 8) }

    /// Overwrites `width` bytes at `offset` (which must already exist) with `value`.
    @discardableResult
    public func write(_ value: UInt64, width: Int, at offset: Int) -> ByteSection {
        let encoded = endian.encode(value, width: width)
        precondition(offset >= 0 && offset + width <= rawBytes.count, "write past end of section")
        rawBytes.replaceSubrange(offset..<offset + width, with: encoded)
        fixups.removeAll { $0.offset < offset + width && offset < $0.offset + $0.width }
        return self
    }

    /// Overwrites bytes at `offset` (which must already exist).
    @discardableResult
    public func write(bytes: [UInt8], at offset: Int) -> ByteSection {
        precondition(offset >= 0 && offset + bytes.count <= rawBytes.count, "write past end of section")
        rawBytes.replaceSubrange(offset..<offset + bytes.count, with: bytes)
        fixups.removeAll { $0.offset < offset + bytes.count && offset < $0.offset + $0.width }
        return self
    }

    // MARK: bytes and strings

    /// Appends raw bytes (no byte swapping).
    @discardableResult
    public func append(_ bytes: [UInt8]) -> ByteSection {
        rawBytes += bytes
        return self
    }

    /// Appends `count` copies of `byte`.
    @discardableResult
    public func append(repeating byte: UInt8, count: Int) -> ByteSection {
        rawBytes += [UInt8](repeating: byte, count: count)
        return self
    }

    /// Appends `count` zero bytes.
    @discardableResult
    public func zeros(_ count: Int) -> ByteSection { append(repeating: 0, count: count) }

    /// Appends `string` as UTF-16 code units in the section's byte order, optionally
    /// followed by a 0 unit.
    @discardableResult
    public func utf16(_ string: String, terminated: Bool = false) -> ByteSection {
        for unit in string.utf16 { u16(unit) }
        if terminated { u16(0) }
        return self
    }

    /// Appends exactly `units` UTF-16 units: `string` truncated to `units` (so a string
    /// that long has no terminator), then zero fill. For fixed arrays like
    /// `uint16_t expression[128]`.
    @discardableResult
    public func utf16Fixed(_ string: String, units: Int) -> ByteSection {
        let encoded = Array(string.utf16.prefix(units))
        for unit in encoded { u16(unit) }
        return zeros(2 * (units - encoded.count))
    }

    /// Appends `string` as UTF-8, optionally followed by a NUL byte.
    @discardableResult
    public func utf8(_ string: String, terminated: Bool = false) -> ByteSection {
        rawBytes += Array(string.utf8)
        if terminated { rawBytes.append(0) }
        return self
    }

    /// Appends a `MINIDUMP_STRING`: u32 byte length (without terminator), UTF-16 units,
    /// and a 0 terminator unit. `lengthOverride` replaces the length field.
    @discardableResult
    public func minidumpString(_ string: String, lengthOverride: UInt32? = nil) -> ByteSection {
        u32(lengthOverride ?? UInt32(string.utf16.count * 2))
        return utf16(string, terminated: true)
    }

    /// Appends a Crashpad `MinidumpUTF8String`: u32 byte length, UTF-8 bytes, NUL.
    @discardableResult
    public func minidumpUTF8String(_ string: String, lengthOverride: UInt32? = nil) -> ByteSection {
        u32(lengthOverride ?? UInt32(string.utf8.count))
        return utf8(string, terminated: true)
    }

    /// Pads with `fill` until the size is a multiple of `alignment`.
    @discardableResult
    public func align(_ alignment: Int, fill: UInt8 = 0) -> ByteSection {
        precondition(alignment > 0)
        let rem = rawBytes.count % alignment
        if rem != 0 { append(repeating: fill, count: alignment - rem) }
        return self
    }

    // MARK: labels and locations

    /// Places `label` at the current position: its value becomes the file offset of the
    /// next byte appended. If a label is placed more than once, the first place wins.
    @discardableResult
    public func mark(_ label: SynthLabel) -> ByteSection {
        marks.append((label, rawBytes.count))
        return self
    }

    /// A new label placed at the current position.
    public func here(_ name: String = "here") -> SynthLabel {
        let label = SynthLabel(name)
        mark(label)
        return label
    }

    /// Appends a `MINIDUMP_LOCATION_DESCRIPTOR` (u32 size, u32 rva).
    @discardableResult
    public func location(_ location: SynthLocation) -> ByteSection {
        u32(location.size).u32(location.rva)
    }

    /// Appends a `MINIDUMP_LOCATION_DESCRIPTOR` with fixed values.
    @discardableResult
    public func location(rva: UInt32, size: UInt32) -> ByteSection {
        u32(size).u32(rva)
    }

    /// Appends a `MINIDUMP_LOCATION_DESCRIPTOR` pointing at `section` (which must be laid
    /// out in the same file, e.g. via `SyntheticMinidump.addData(_:)`).
    @discardableResult
    public func location(of section: ByteSection) -> ByteSection {
        location(section.location)
    }

    /// Appends a copy of `section` (bytes, label placements and references) and sets its
    /// `finalSize` label.
    @discardableResult
    public func append(_ section: ByteSection) -> ByteSection {
        precondition(section !== self, "cannot append a section to itself")
        let base = rawBytes.count
        section.finalSize.set(UInt64(section.size))
        rawBytes += section.rawBytes
        marks += section.marks.map { ($0.label, $0.offset + base) }
        fixups += section.fixups.map {
            var f = $0
            f.offset += base
            return f
        }
        return self
    }

    // MARK: layout

    /// Lays this section out as a whole file starting at offset 0, resolves every label
    /// reference, records `resolvedValue` on the labels involved, and returns the bytes.
    public func resolvedContents() throws(SynthLayoutError) -> [UInt8] {
        finalSize.set(UInt64(size))
        var placed: [ObjectIdentifier: Int] = [:]
        for (label, offset) in marks where placed[ObjectIdentifier(label)] == nil {
            placed[ObjectIdentifier(label)] = offset
        }
        var resolved: [ObjectIdentifier: (SynthLabel, UInt64)] = [:]

        func value(of label: SynthLabel, depth: Int) throws(SynthLayoutError) -> UInt64 {
            if let known = resolved[ObjectIdentifier(label)] { return known.1 }
            guard depth < 10_000 else { throw .labelCycle(label.name) }
            let position = placed[ObjectIdentifier(label)].map { UInt64($0) }
            let v: UInt64
            switch label.binding {
            case .constant(let c):
                if let p = position, p != c { throw .conflictingLabel(label.name, c, p) }
                v = c
            case .relative(let base, let delta):
                v = try value(of: base, depth: depth + 1) &+ UInt64(bitPattern: delta)
            case .free:
                guard let p = position else { throw .unresolvedLabel(label.name) }
                v = p
            }
            resolved[ObjectIdentifier(label)] = (label, v)
            return v
        }

        var out = rawBytes
        for fixup in fixups {
            let v = try value(of: fixup.label, depth: 0) &+ UInt64(bitPattern: fixup.addend)
            if fixup.width < 8 {
                let high = v >> UInt64(fixup.width * 8)
                let allOnes = UInt64.max >> UInt64(fixup.width * 8)
                guard high == 0 || high == allOnes else {
                    throw .valueTooWide(label: fixup.label.name, value: v, width: fixup.width)
                }
            }
            out.replaceSubrange(fixup.offset..<fixup.offset + fixup.width,
                                with: fixup.endian.encode(v, width: fixup.width))
        }
        for (label, _) in marks { _ = try? value(of: label, depth: 0) }
        for (label, v) in resolved.values { label.resolvedValue = v }
        return out
    }

    /// `resolvedContents()`, stopping the test process with a description on error
    /// (an unresolved label is a bug in the test, not in the code under test).
    public func contents() -> [UInt8] {
        do {
            return try resolvedContents()
        } catch {
            fatalError("ByteSection layout failed: \(error)")
        }
    }
}

/// Formats bytes as a classic 16-bytes-per-line hex dump with offsets and ASCII.
public func synthHexDump(_ bytes: [UInt8], from start: Int = 0, count: Int? = nil) -> String {
    let end = min(bytes.count, count.map { start + $0 } ?? bytes.count)
    var lines: [String] = []
    var offset = start - start % 16
    while offset < end {
        var hex = ""
        var ascii = ""
        for i in offset..<offset + 16 {
            if i >= start && i < end {
                let b = bytes[i]
                let h = String(b, radix: 16)
                hex += (h.count == 1 ? "0" + h : h) + " "
                ascii.append((0x20..<0x7f).contains(b) ? Character(UnicodeScalar(b)) : ".")
            } else {
                hex += "   "
                ascii += " "
            }
            if i % 16 == 7 { hex += " " }
        }
        let o = String(offset, radix: 16)
        lines.append(String(repeating: "0", count: max(0, 8 - o.count)) + o + "  " + hex + " |" + ascii + "|")
        offset += 16
    }
    return lines.joined(separator: "\n")
}
