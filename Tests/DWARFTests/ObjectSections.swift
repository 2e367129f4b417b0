import CrashpipeCore

/// Just enough of ELF and Mach-O to find a section for the CFI tests (a Core test does not
/// import the container plugins). Little-endian, 64-bit only: the fixtures are.
struct ObjectSection {
    var offset: Int
    var size: Int
    var address: UInt64
}

enum ObjectSections {
    static func u16(_ b: [UInt8], _ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
    static func u32(_ b: [UInt8], _ o: Int) -> UInt64 { (0..<4).reduce(0) { $0 | UInt64(b[o + $1]) << (8 * UInt64($1)) } }
    static func u64(_ b: [UInt8], _ o: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(b[o + $1]) << (8 * UInt64($1)) } }
    static func cString(_ b: [UInt8], _ o: Int, max: Int = 256) -> String {
        var end = o
        while end < b.count && end < o + max && b[end] != 0 { end += 1 }
        return String(decoding: b[o..<end], as: UTF8.self)
    }

    /// An ELF64 section by name.
    static func elfSection(_ b: [UInt8], named name: String) -> ObjectSection? {
        let shoff = Int(u64(b, 0x28))
        let shentsize = u16(b, 0x3a)
        let shnum = u16(b, 0x3c)
        let shstrndx = u16(b, 0x3e)
        func header(_ i: Int) -> (name: Int, addr: UInt64, offset: Int, size: Int) {
            let h = shoff + i * shentsize
            return (Int(u32(b, h)), u64(b, h + 0x10), Int(u64(b, h + 0x18)), Int(u64(b, h + 0x20)))
        }
        let strtab = header(shstrndx)
        for i in 0..<shnum {
            let h = header(i)
            if cString(b, strtab.offset + h.name) == name { return ObjectSection(offset: h.offset, size: h.size, address: h.addr) }
        }
        return nil
    }

    /// The lowest PT_LOAD address of an ELF64 file (what symbolic calls its load address).
    static func elfLoadAddress(_ b: [UInt8]) -> UInt64 {
        let phoff = Int(u64(b, 0x20))
        let phentsize = u16(b, 0x36)
        let phnum = u16(b, 0x38)
        var lowest = UInt64.max
        for i in 0..<phnum {
            let p = phoff + i * phentsize
            if u32(b, p) == 1 { lowest = min(lowest, u64(b, p + 0x10)) }
        }
        return lowest == .max ? 0 : lowest
    }

    /// A 64-bit Mach-O section (`segment`, `section`) and the `__TEXT` segment's address.
    static func machOSection(_ b: [UInt8], segment: String, section: String) -> (ObjectSection, UInt64)? {
        guard u32(b, 0) == 0xfeed_facf else { return nil }
        let ncmds = Int(u32(b, 16))
        var command = 32
        var text: UInt64 = 0
        var found: ObjectSection?
        for _ in 0..<ncmds {
            let cmd = u32(b, command)
            let size = Int(u32(b, command + 4))
            if cmd == 0x19 {
                let segname = cString(b, command + 8, max: 16)
                if segname == "__TEXT" { text = u64(b, command + 24) }
                let nsects = Int(u32(b, command + 64))
                for i in 0..<nsects {
                    let s = command + 72 + i * 80
                    if cString(b, s, max: 16) == section && cString(b, s + 16, max: 16) == segment {
                        found = ObjectSection(offset: Int(u32(b, s + 48)), size: Int(u64(b, s + 40)), address: u64(b, s + 32))
                    }
                }
            }
            command += size
        }
        return found.map { ($0, text) }
    }
}

/// Builds `.eh_frame` / `.debug_frame` bytes for the malformed-input tests.
struct FrameBuilder {
    var bytes: [UInt8] = []
    var sectionAddress: UInt64 = 0x2000
    var bigEndian = false

    static func uleb(_ value: UInt64) -> [UInt8] {
        var v = value
        var out: [UInt8] = []
        repeat {
            var byte = UInt8(v & 0x7f)
            v >>= 7
            if v != 0 { byte |= 0x80 }
            out.append(byte)
        } while v != 0
        return out
    }

    static func sleb(_ value: Int64) -> [UInt8] {
        var v = value
        var out: [UInt8] = []
        while true {
            let byte = UInt8(v & 0x7f)
            v >>= 7
            if (v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0) { out.append(byte); return out }
            out.append(byte | 0x80)
        }
    }

    func le(_ value: UInt64, _ size: Int) -> [UInt8] {
        let little = (0..<size).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
        return bigEndian ? little.reversed() : little
    }

    /// An `.eh_frame` CIE; returns its offset.
    @discardableResult
    mutating func cie(augmentation: String = "zR", version: UInt8 = 1, caf: [UInt8] = [1], daf: Int64 = -8, ra: UInt64 = 16,
                      augmentationData: [UInt8] = [0x1b], instructions: [UInt8] = [0x0c, 7, 8, 0x90, 1]) -> Int {
        var body: [UInt8] = [0, 0, 0, 0, version] + Array(augmentation.utf8) + [0]
        body += caf + Self.sleb(daf) + (version == 1 ? [UInt8(ra)] : Self.uleb(ra))
        if augmentation.hasPrefix("z") { body += Self.uleb(UInt64(augmentationData.count)) + augmentationData }
        body += instructions
        let offset = bytes.count
        bytes += le(UInt64(body.count), 4) + body
        return offset
    }

    /// An `.eh_frame` FDE with a pc-relative sdata4 start; returns its offset.
    @discardableResult
    mutating func fde(cie: Int, start: UInt64, size: UInt32, instructions: [UInt8], ciePointer: UInt32? = nil) -> Int {
        let offset = bytes.count
        let pointer = ciePointer ?? UInt32(offset + 4 - cie)
        let pc = Int64(start) - Int64(sectionAddress) - Int64(offset + 8)
        let body = le(UInt64(pointer), 4) + le(UInt64(UInt32(truncatingIfNeeded: pc)), 4) + le(UInt64(size), 4) + [0] + instructions
        bytes += le(UInt64(body.count), 4) + body
        return offset
    }

    /// A `.debug_frame` CIE (version 1, 3 or 4; 32- or 64-bit DWARF); returns its offset.
    @discardableResult
    mutating func debugCIE(version: UInt8, is64: Bool, addressSize: UInt8 = 8, caf: UInt64 = 1, daf: Int64 = -8, ra: UInt64 = 16,
                           instructions: [UInt8] = [0x0c, 7, 8, 0x90, 1]) -> Int {
        var body: [UInt8] = (is64 ? le(.max, 8) : le(0xffff_ffff, 4)) + [version, 0]
        if version >= 4 { body += [addressSize, 0] }
        body += Self.uleb(caf) + Self.sleb(daf) + (version == 1 ? [UInt8(ra)] : Self.uleb(ra)) + instructions
        let offset = bytes.count
        bytes += is64 ? le(0xffff_ffff, 4) + le(UInt64(body.count), 8) + body : le(UInt64(body.count), 4) + body
        return offset
    }

    @discardableResult
    mutating func debugFDE(cie: Int, is64: Bool, addressSize: Int = 8, start: UInt64, size: UInt64, instructions: [UInt8]) -> Int {
        let body = le(UInt64(cie), is64 ? 8 : 4) + le(start, addressSize) + le(size, addressSize) + instructions
        let offset = bytes.count
        bytes += is64 ? le(0xffff_ffff, 4) + le(UInt64(body.count), 8) + body : le(UInt64(body.count), 4) + body
        return offset
    }
}
