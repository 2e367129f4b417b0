import CrashpipeCore

/// Symbols straight from an ELF file's symbol table (`.symtab`, else `.dynsym`): function
/// names for a module that has no Breakpad `.sym`, as a stripped binary's exports or an
/// unstripped binary's full table. Addresses are module-relative (symbol value minus the first
/// PT_LOAD address, as Breakpad's dump_syms writes them).
///
/// A symbol with a size covers `[value, value + size)`; sizeless symbols answer as public
/// symbols (the nearest preceding name). Line tables (DWARF) and CFI (`.eh_frame`) are not
/// read yet: `callFrameInfo` answers nil.
public struct ELFSymbolFormat: SymbolFormat {
    public init() {}

    public var name: String { "elf" }

    public func recognizes(_ bytes: ByteView) -> Bool { ELFDebugFileFormat().recognizes(bytes) }

    public func load(_ bytes: ByteView, location: String) throws -> any ModuleSymbols {
        let file = try ELFFile(bytes)
        return try ELFSymbolTable(file, location: location)
    }
}

struct ELFSymbolTable: ModuleSymbols {
    struct Function: Sendable {
        var address: UInt64
        var size: UInt64
        var name: String
    }

    /// Sorted by address; one entry per address (sized symbols win over sizeless aliases).
    let functions: [Function]
    let problems: [String]

    static let STT_FUNC: UInt8 = 2, STT_GNU_IFUNC: UInt8 = 10
    static let SHN_UNDEF: UInt16 = 0

    init(_ file: ELFFile, location: String) throws(ParseError) {
        var problems: [String] = []
        let table = file.sections.first { $0.type == ELF.SHT_SYMTAB && $0.size > 0 }
            ?? file.sections.first { $0.type == ELF.SHT_DYNSYM && $0.size > 0 }
        guard let table else {
            throw ParseError(.invalidValue, offset: 0, context: "ELF symbol table",
                             "\(location) has neither .symtab nor .dynsym: no function names to read")
        }
        let entrySize = file.is64 ? 24 : 16
        guard table.entsize == 0 || Int(table.entsize) >= entrySize else {
            throw ParseError(.invalidValue, offset: Int(clamping: table.offset), context: "ELF symbol table",
                             "entry size \(table.entsize) is smaller than \(entrySize)")
        }
        let stride = table.entsize == 0 ? entrySize : Int(table.entsize)
        let data = try file.sectionData(table)
        guard Int(table.link) < file.sections.count else {
            throw ParseError(.outOfRange, offset: Int(clamping: table.offset), context: "ELF symbol table",
                             "its string table is section \(table.link), the file has \(file.sections.count)")
        }
        let strings = try file.sectionData(file.sections[Int(table.link)])
        let base = file.loadAddress
        var found: [Function] = []
        var index = 1  // entry 0 is the null symbol
        while (index + 1) * stride <= data.count {
            let at = index * stride
            index += 1
            let nameOffset: UInt32, info: UInt8, sectionIndex: UInt16, value: UInt64, size: UInt64
            do {
                nameOffset = try data.u32(at: at, file.endian)
                if file.is64 {
                    info = data[safe: at + 4] ?? 0
                    sectionIndex = try data.u16(at: at + 6, file.endian)
                    value = try data.u64(at: at + 8, file.endian)
                    size = try data.u64(at: at + 16, file.endian)
                } else {
                    value = UInt64(try data.u32(at: at + 4, file.endian))
                    size = UInt64(try data.u32(at: at + 8, file.endian))
                    info = data[safe: at + 12] ?? 0
                    sectionIndex = try data.u16(at: at + 14, file.endian)
                }
            } catch {
                problems.append("symbol \(index - 1): \(error)")
                break
            }
            let type = info & 0xF
            guard type == Self.STT_FUNC || type == Self.STT_GNU_IFUNC, sectionIndex != Self.SHN_UNDEF, value >= base else { continue }
            guard let name = Self.string(strings, at: Int(nameOffset)), !name.isEmpty else {
                problems.append("symbol \(index - 1): name offset \(nameOffset) is outside the string table")
                continue
            }
            // ARM: bit 0 of a Thumb function's address marks the instruction set.
            let address = (file.machine == ELF.EM_ARM ? value & ~1 : value) - base
            found.append(Function(address: address, size: size, name: name))
        }
        found.sort { ($0.address, $1.size) < ($1.address, $0.size) }
        var unique: [Function] = []
        unique.reserveCapacity(found.count)
        for function in found where unique.last?.address != function.address { unique.append(function) }
        functions = unique
        self.problems = problems
    }

    static func string(_ table: ByteView, at offset: Int) -> String? {
        guard offset >= 0, offset < table.count else { return nil }
        return table.withUnsafeBytes { raw in
            var end = offset
            while end < raw.count, raw[end] != 0 { end += 1 }
            guard end < raw.count else { return nil }
            return String(decoding: UnsafeRawBufferPointer(rebasing: raw[offset..<end]), as: UTF8.self)
        }
    }

    /// The last function starting at or before `address`.
    func index(covering address: UInt64) -> Int? {
        var low = 0, high = functions.count
        while low < high {
            let mid = (low + high) / 2
            if functions[mid].address <= address { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? nil : low - 1
    }

    func lookup(_ address: UInt64) -> SymbolInfo? {
        guard let i = index(covering: address) else { return nil }
        let function = functions[i]
        if function.size > 0 {
            guard address < function.address &+ function.size else { return nil }
            return SymbolInfo(function: function.name, functionAddress: function.address)
        }
        return SymbolInfo(function: function.name, functionAddress: function.address, isPublic: true)
    }

    func hasFunction(at address: UInt64) -> Bool {
        guard let i = index(covering: address) else { return false }
        let function = functions[i]
        return function.size > 0 && address < function.address &+ function.size
    }

    func callFrameInfo(at address: UInt64) -> CallFrameRules? { nil }
    func windowsFrameInfo(at address: UInt64) -> WindowsFrameInfo? { nil }
}
