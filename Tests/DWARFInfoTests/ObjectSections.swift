import Foundation
import CrashpipeCore
import TestSupport

/// Just enough ELF64 / Mach-O 64 walking to hand DWARF sections and function symbols to the
/// Core reader without importing the container plugins.
struct TestObject {
    var sections: DWARFSections
    /// Function symbols by address (Mach-O: leading underscore removed, as symbolic does).
    var symbols: [UInt64: String] = [:]
    /// Mach-O: minus the `__TEXT` vmaddr.
    var addressOffset: Int64 = 0

    static func elf(_ relative: String) throws -> TestObject {
        let bytes = try Fixtures.bytes(relative)
        let view = ByteView(bytes)
        var r = ByteReader(view)
        r.offset = 0x28
        let shoff = Int(try r.u64())
        r.offset = 0x3a
        let shentsize = Int(try r.u16()), shnum = Int(try r.u16()), shstrndx = Int(try r.u16())
        struct Header { var name: UInt32; var type: UInt32; var offset: Int; var size: Int; var link: Int }
        var headers: [Header] = []
        for index in 0..<shnum {
            r.offset = shoff + index * shentsize
            let name = try r.u32(), type = try r.u32()
            r.offset += 16
            let offset = Int(try r.u64()), size = Int(try r.u64())
            let link = Int(try r.u32())
            headers.append(Header(name: name, type: type, offset: offset, size: size, link: link))
        }
        // symbolic's load address: the first PT_LOAD's vaddr.
        r.offset = 0x20
        let phoff = Int(try r.u64())
        r.offset = 0x36
        let phentsize = Int(try r.u16()), phnum = Int(try r.u16())
        var loadAddress: UInt64 = 0
        for index in 0..<phnum {
            r.offset = phoff + index * phentsize
            guard try r.u32() == 1 else { continue }
            r.offset += 12
            loadAddress = try r.u64()
            break
        }
        let names = headers[shstrndx]
        var sections: [String: ByteView] = [:]
        var symbols: [UInt64: String] = [:]
        for header in headers {
            let name = try view.cString(at: names.offset + Int(header.name))
            if name.hasPrefix(".debug_"), header.type != 8 {
                sections[name] = try view.slice(offset: header.offset, size: header.size)
            }
            if header.type == 2 { // SHT_SYMTAB
                let strings = headers[header.link]
                for index in 0..<(header.size / 24) {
                    var s = ByteReader(view, offset: header.offset + index * 24)
                    let nameOffset = Int(try s.u32()), info = try s.u8()
                    _ = try s.u8(); _ = try s.u16()
                    let value = try s.u64()
                    guard info & 0xf == 2, value != 0 else { continue }
                    let symbol = try view.cString(at: strings.offset + nameOffset)
                    if symbols[value &- loadAddress] == nil { symbols[value &- loadAddress] = symbol }
                }
            }
        }
        return TestObject(sections: DWARFSections(sections: sections), symbols: symbols,
                          addressOffset: -Int64(bitPattern: loadAddress))
    }

    static func machO(_ relative: String) throws -> TestObject {
        let bytes = try Fixtures.bytes(relative)
        let view = ByteView(bytes)
        var r = ByteReader(view)
        guard try r.u32() == 0xfeedfacf else { throw ParseError(.badMagic, offset: 0, "not a thin Mach-O 64") }
        r.offset = 16
        let ncmds = Int(try r.u32())
        var command = 32
        var sections: [String: ByteView] = [:]
        var symbols: [UInt64: String] = [:]
        var textAddress: UInt64 = 0
        for _ in 0..<ncmds {
            r.offset = command
            let cmd = try r.u32(), size = Int(try r.u32())
            if cmd == 0x19 {
                let segment = try view.cString(at: command + 8, maxLength: 16)
                r.offset = command + 24
                let vmaddr = try r.u64()
                if segment == "__TEXT" { textAddress = vmaddr }
                r.offset = command + 64
                let nsects = Int(try r.u32())
                for index in 0..<nsects {
                    let base = command + 72 + index * 80
                    let name = try view.cString(at: base, maxLength: 16)
                    r.offset = base + 40
                    let sectionSize = Int(try r.u64())
                    let offset = Int(try r.u32())
                    if segment == "__DWARF", offset != 0 {
                        sections[name] = try view.slice(offset: offset, size: sectionSize)
                    }
                }
            } else if cmd == 0x2 {
                r.offset = command + 8
                let symoff = Int(try r.u32()), nsyms = Int(try r.u32()), stroff = Int(try r.u32())
                for index in 0..<nsyms {
                    var s = ByteReader(view, offset: symoff + index * 16)
                    let strx = Int(try s.u32()), type = try s.u8(), sect = try s.u8()
                    _ = try s.u16()
                    let value = try s.u64()
                    guard type & 0xe0 == 0, type & 0x0e == 0x0e, sect == 1 else { continue }
                    var name = try view.cString(at: stroff + strx)
                    if name.hasPrefix("_") { name.removeFirst() }
                    if symbols[value] == nil { symbols[value] = name }
                }
            }
            command += size
        }
        let offset = -Int64(bitPattern: textAddress)
        var adjusted: [UInt64: String] = [:]
        for (address, name) in symbols { adjusted[address &- textAddress] = name }
        return TestObject(sections: DWARFSections(sections: sections), symbols: adjusted, addressOffset: offset)
    }

    func debugInfo(useSymbols: Bool = true) -> DWARFDebugInfo {
        let symbols = self.symbols
        return DWARFDebugInfo(sections, addressOffset: addressOffset,
                              symbolName: useSymbols ? { symbols[$0] } : nil)
    }
}

/// symbolic's snapshot text for functions (without the `variables:` blocks, which this reader
/// does not collect).
func render(_ function: DWARFFunction, depth: Int = 0, into out: inout [String]) {
    let indent = String(repeating: "  ", count: depth)
    out.append("\(indent)> 0x\(String(function.address, radix: 16)): \(function.name) (0x\(String(function.size, radix: 16)))")
    for line in function.lines {
        out.append("\(indent)  0x\(String(line.address, radix: 16)): \(line.file.name):\(line.line) (\(line.file.directory))")
    }
    out.append("")
    for inlinee in function.inlinees { render(inlinee, depth: depth + 1, into: &out) }
}

/// The expected text with the `variables:` blocks removed.
func withoutVariables(_ text: String) -> [String] {
    var out: [String] = []
    var skipIndent: Int?
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        let indent = line.prefix { $0 == " " }.count
        if let skip = skipIndent {
            if !line.isEmpty && indent > skip { continue }
            skipIndent = nil
        }
        if line.trimmingCharacters(in: .whitespaces) == "variables:" { skipIndent = indent; continue }
        out.append(String(line))
    }
    while out.last == "" { out.removeLast() }
    return out
}

/// Length of the longest common subsequence of two line lists.
func commonLines(_ a: [String], _ b: [String]) -> Int {
    var previous = [Int](repeating: 0, count: b.count + 1)
    for x in a {
        var current = [Int](repeating: 0, count: b.count + 1)
        for (j, y) in b.enumerated() {
            current[j + 1] = x == y ? previous[j] + 1 : max(previous[j + 1], current[j])
        }
        previous = current
    }
    return previous[b.count]
}
