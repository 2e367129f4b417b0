import CIngestTestCodecs
import CrashpipeCore
import DemangleItanium
import Foundation
@testable import SymbolsELF
import TestSupport
import Testing

/// Test-only compressors (the system libraries, through the test shim).
enum Pack {
    static func with(_ codec: cingest_test_codec, _ bytes: [UInt8]) -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        let rc = bytes.withUnsafeBufferPointer { cingest_test_compress(Int32(codec.rawValue), $0.baseAddress, $0.count, &out, &size) }
        precondition(rc == 0, "test compressor failed")
        defer { cingest_test_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }
    static func zlib(_ bytes: [UInt8]) -> [UInt8] { with(CINGEST_TEST_ZLIB, bytes) }
    static func zstd(_ bytes: [UInt8]) -> [UInt8] { with(CINGEST_TEST_ZSTD, bytes) }
    static func xz(_ bytes: [UInt8]) -> [UInt8] { with(CINGEST_TEST_XZ, bytes) }
}

/// A section header of a little-endian 64-bit ELF file, found by name (for mutating fixtures).
struct RawSection {
    var headerOffset: Int
    var flags: UInt64
    var offset: Int
    var size: Int

    static func find(_ name: String, in bytes: [UInt8]) throws -> RawSection {
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        func u64(_ at: Int) -> Int { u32(at) | u32(at + 4) << 32 }
        let shoff = u64(40), count = u16(60), names = shoff + u16(62) * 64
        let namesOffset = u64(names + 24)
        for index in 0..<count {
            let header = shoff + index * 64
            var end = namesOffset + u32(header)
            let start = end
            while bytes[end] != 0 { end += 1 }
            if String(decoding: bytes[start..<end], as: UTF8.self) == name {
                return RawSection(headerOffset: header, flags: UInt64(u64(header + 8)), offset: u64(header + 24), size: u64(header + 32))
            }
        }
        throw ParseError(.invalidValue, offset: 0, "no section \(name)")
    }
}

func put(_ value: UInt64, width: Int, at offset: Int, in bytes: inout [UInt8]) {
    for i in 0..<width { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
}

/// Compressed debug sections (SHF_COMPRESSED zlib and zstd, GNU .zdebug) and MiniDebugInfo.
struct ELFCompressedTests {
    static let linux = "symbolic/debug-files/linux/"

    static func load(_ bytes: [UInt8], limit: Int = 1 << 30) throws -> SymbolTableSymbols {
        let symbols = try ELFSymbolFormat(maxDecompressedSize: limit).load(ByteView(bytes), location: "test")
        return try #require(symbols as? SymbolTableSymbols)
    }

    /// crash.debug-zlib and crash.debug-zstd answer exactly as crash.debug at every address of
    /// every function: name, start, file, line, line start and the inline chain.
    @Test(arguments: ["crash.debug-zlib", "crash.debug-zstd"])
    func compressedDebugFileAnswersAsTheUncompressedOne(_ name: String) throws {
        let plain = try Self.load(Fixtures.bytes(Self.linux + "crash.debug"))
        let bytes = try Fixtures.bytes(Self.linux + name)
        // Inflating alone: every SHF_COMPRESSED section.
        let file = try ELFFile(ByteView(bytes))
        let compressed = file.sections.filter { $0.flags & 0x800 != 0 }
        #expect(compressed.count >= 5)
        let inflateStart = ContinuousClock.now
        let inflated = try compressed.reduce(0) { $0 + (try file.sectionContents($1).count) }
        let inflating = ContinuousClock.now - inflateStart
        print("\(name): \(compressed.count) sections, \(compressed.reduce(0) { $0 + $1.size }) bytes inflate to \(inflated) in \(inflating)")
        let start = ContinuousClock.now
        let packed = try Self.load(bytes)
        let elapsed = ContinuousClock.now - start
        #expect(packed.problems.isEmpty, "\(packed.problems.prefix(5))")
        #expect(plain.entries == packed.entries)
        let functions = plain.entries.filter { $0.size > 0 }
        #expect(functions.count > 100)
        var addresses = 0, withLines = 0, withInlines = 0, differences: [String] = []
        for function in functions {
            for address in function.address..<(function.address + function.size) {
                addresses += 1
                let expected = plain.lookup(address)
                if expected?.line != nil { withLines += 1 }
                if expected?.inlines.isEmpty == false { withInlines += 1 }
                let found = packed.lookup(address)
                if found != expected, differences.count < 5 { differences.append("0x\(String(address, radix: 16)): \(String(describing: found)) ≠ \(String(describing: expected))") }
            }
        }
        #expect(differences.isEmpty, "\(differences)")
        // The comparison means something only if the DWARF answered most of them.
        #expect(withLines > addresses / 2 && withInlines > 100, "\(withLines) with lines, \(withInlines) with inlines of \(addresses)")
        print("\(name): \(addresses) addresses in \(functions.count) functions agree (\(withLines) with lines, \(withInlines) with inlines); loaded in \(elapsed)")
        // The unwind rules come from the same (uncompressed) .eh_frame.
        #expect(packed.callFrameInfo(at: 0x1c70) == plain.callFrameInfo(at: 0x1c70))
    }

    // MARK: Damaged SHF_COMPRESSED sections of the real file

    /// The problem the damaged `.debug_info` leaves; the rest of the file still loads.
    static func debugInfoProblem(_ mutate: (inout [UInt8], RawSection) -> Void, file: String = "crash.debug-zlib",
                                 sourceLocation: SourceLocation = #_sourceLocation) throws -> (String, RawSection) {
        var bytes = try Fixtures.bytes(linux + file)
        let section = try RawSection.find(".debug_info", in: bytes)
        #expect(section.flags & 0x800 != 0, sourceLocation: sourceLocation)
        mutate(&bytes, section)
        let symbols = try load(bytes)
        let problem = try #require(symbols.problems.first { $0.contains(".debug_info") }, "\(symbols.problems)", sourceLocation: sourceLocation)
        #expect(symbols.lookup(0x1c70)?.function == "main", "the symbol table still answers", sourceLocation: sourceLocation)
        #expect(symbols.lookup(0x1c70)?.line == nil, "no DWARF without .debug_info", sourceLocation: sourceLocation)
        return (problem, section)
    }

    static func offset(in problem: String) -> Int? {
        guard let range = problem.range(of: "at offset 0x") else { return nil }
        return Int(problem[range.upperBound...].prefix { $0.isHexDigit }, radix: 16)
    }

    /// zlib's Adler-32 catches damage anywhere; these zstd frames carry no checksum, so damage
    /// to the frame header is what the library can detect for sure.
    @Test(arguments: ["crash.debug-zlib", "crash.debug-zstd"])
    func corruptStream(_ file: String) throws {
        let (problem, section) = try Self.debugInfoProblem({ bytes, section in
            if file.hasSuffix("zlib") {
                for i in stride(from: section.offset + 200, to: section.offset + 260, by: 3) { bytes[i] ^= 0x5A }
            } else {
                for i in (section.offset + 24)..<(section.offset + 28) { bytes[i] ^= 0x5A }
            }
        }, file: file)
        #expect(problem.contains("corrupt") || problem.contains("inflates to"), "\(problem)")
        let at = try #require(Self.offset(in: problem), "\(problem)")
        #expect(at >= section.offset && at <= section.offset + section.size, "\(problem)")
    }

    @Test func declaredSizeBiggerThanTheData() throws {
        let (problem, section) = try Self.debugInfoProblem { bytes, section in
            let size = UInt64(bytes[section.offset + 8]) | UInt64(bytes[section.offset + 9]) << 8 | UInt64(bytes[section.offset + 10]) << 16
            put(size + 100, width: 8, at: section.offset + 8, in: &bytes)
        }
        #expect(problem.contains("its header declares") && problem.contains("inflates to"), "\(problem)")
        #expect(Self.offset(in: problem) == section.offset + 24, "\(problem)")
    }

    @Test func declaredSizeSmallerThanTheData() throws {
        let (problem, _) = try Self.debugInfoProblem { bytes, section in
            put(1000, width: 8, at: section.offset + 8, in: &bytes)
        }
        #expect(problem.contains("more than the 1000 bytes its header declares"), "\(problem)")
    }

    @Test func unknownCompressionType() throws {
        let (problem, section) = try Self.debugInfoProblem { bytes, section in
            put(7, width: 4, at: section.offset, in: &bytes)
        }
        #expect(problem.contains("ch_type 7"), "\(problem)")
        #expect(Self.offset(in: problem) == section.offset)
    }

    @Test func truncatedCompressionHeader() throws {
        let (problem, section) = try Self.debugInfoProblem { bytes, section in
            put(10, width: 8, at: section.headerOffset + 32, in: &bytes)  // sh_size
        }
        #expect(problem.contains("Elf64_Chdr") && problem.contains("needs 24 bytes"), "\(problem)")
        #expect(problem.hasPrefix("truncated") && Self.offset(in: problem) == section.offset, "\(problem)")
    }

    @Test func absurdDeclaredSize() throws {
        let (problem, section) = try Self.debugInfoProblem { bytes, section in
            put(1 << 40, width: 8, at: section.offset + 8, in: &bytes)
        }
        #expect(problem.contains("ch_size 1099511627776 is more than the limit"), "\(problem)")
        #expect(Self.offset(in: problem) == section.offset + 8)
    }

    /// Random damage inside the compressed sections: symbols or an error, never a crash.
    @Test(arguments: ["crash.debug-zlib", "crash.debug-zstd"])
    func damagedCompressedSectionsNeverCrash(_ name: String) throws {
        let original = try Fixtures.bytes(Self.linux + name)
        let targets = try [".debug_info", ".debug_line", ".debug_abbrev", ".debug_str"].map { try RawSection.find($0, in: original) }
        var generator = SystemRandomNumberGenerator()
        var problems = 0
        for round in 0..<12 {
            var bytes = original
            let section = targets[round % targets.count]
            for _ in 0..<4 {
                bytes[Int.random(in: section.offset..<(section.offset + section.size), using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            if let symbols = try? Self.load(bytes) {
                _ = symbols.lookup(0x1ec7)
                problems += symbols.problems.isEmpty ? 0 : 1
            }
        }
        // zlib's Adler-32 notices any change; zstd frames without a checksum may not.
        if name.hasSuffix("zlib") { #expect(problems > 0, "no damage was noticed: the test exercised nothing") }
    }

    // MARK: Synthetic files

    /// A file with an (empty) symbol table and the given extra sections.
    static func file(_ sections: [ELFBuilder.Section]) -> [UInt8] {
        var builder = ELFBuilder()
        builder.sections += [.init(name: ".symtab", type: ELFBuilder.symtab, data: Array(repeating: 0, count: 48), entsize: 24)] + sections
        return builder.build()
    }

    static func chdr(type: UInt32, size: UInt64) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 24)
        put(UInt64(type), width: 4, at: 0, in: &header)
        put(size, width: 8, at: 8, in: &header)
        put(1, width: 8, at: 16, in: &header)
        return header
    }

    /// A bomb: 64 MiB of zeros in a few KiB. Declared honestly it is refused before inflating
    /// under a 1 MiB limit; declared as 1000 bytes, inflating stops after 1001.
    @Test(arguments: [UInt32(1), 2])
    func decompressionBomb(type: UInt32) throws {
        let zeros = [UInt8](repeating: 0, count: 64 << 20)
        let stream = type == 1 ? Pack.zlib(zeros) : Pack.zstd(zeros)
        #expect(stream.count < 1 << 20)
        let honest = try Self.load(Self.file([.init(name: ".debug_info", type: 1, flags: 0x800, data: Self.chdr(type: type, size: 64 << 20) + stream)]),
                                   limit: 1 << 20)
        #expect(honest.problems.contains { $0.contains(".debug_info") && $0.contains("more than the limit of 1048576") }, "\(honest.problems)")
        let lying = try Self.load(Self.file([.init(name: ".debug_info", type: 1, flags: 0x800, data: Self.chdr(type: type, size: 1000) + stream)]))
        #expect(lying.problems.contains { $0.contains(".debug_info") && $0.contains("more than the 1000 bytes") }, "\(lying.problems)")
    }

    /// GNU `.zdebug_*`: "ZLIB", big-endian size, zlib stream; read as the `.debug_*` section.
    @Test func gnuZdebugSections() throws {
        let payload = (0..<5000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        var gnu = Array("ZLIB".utf8)
        gnu += (0..<8).map { UInt8(truncatingIfNeeded: UInt64(payload.count) >> (8 * UInt64(7 - $0))) }
        gnu += Pack.zlib(payload)
        let file = try ELFFile(ByteView(Self.file([.init(name: ".zdebug_info", type: 1, data: gnu)])))
        let section = try #require(file.sections.first { file.sectionName($0) == ".zdebug_info" })
        #expect(try file.sectionContents(section).array == payload)
        #expect(ELFFile.uncompressedName(".zdebug_line") == ".debug_line")
        var noMagic = gnu
        noMagic[0] = 0x58
        let bad = try Self.load(Self.file([.init(name: ".zdebug_info", type: 1, data: noMagic)]))
        #expect(bad.problems.contains { $0.contains(".zdebug_info") && $0.contains("ZLIB") }, "\(bad.problems)")
        var lying = gnu
        lying[11] &+= 1
        let short = try Self.load(Self.file([.init(name: ".zdebug_info", type: 1, data: lying)]))
        #expect(short.problems.contains { $0.contains(".zdebug_info") && $0.contains("inflates to 5000 bytes, its header declares 5001") }, "\(short.problems)")
    }

    /// SHF_COMPRESSED sections inflate to their payload with either codec.
    @Test(arguments: [UInt32(1), 2])
    func compressedSectionContents(type: UInt32) throws {
        let payload = (0..<70000).map { UInt8(truncatingIfNeeded: ($0 / 3) &* 13) }
        let stream = type == 1 ? Pack.zlib(payload) : Pack.zstd(payload)
        let bytes = Self.file([.init(name: ".debug_line", type: 1, flags: 0x800, data: Self.chdr(type: type, size: UInt64(payload.count)) + stream)])
        let file = try ELFFile(ByteView(bytes))
        let section = try #require(file.sections.first { file.sectionName($0) == ".debug_line" })
        let contents = try file.sectionContents(section)
        #expect(contents.count == payload.count && contents.array == payload)
    }

    // MARK: MiniDebugInfo

    /// basic.minidebuginfo: a stripped binary whose `.gnu_debugdata` holds the local symbols.
    /// Each of dump_syms' PUBLIC records names a function at its address, demangled the same.
    @Test func miniDebugInfoMatchesDumpSyms() throws {
        let symbols = try Self.load(Fixtures.bytes("dump_syms/linux/basic.minidebuginfo"))
        #expect(symbols.problems.isEmpty, "\(symbols.problems)")
        let text = String(decoding: try Fixtures.bytes("dump_syms/linux/basic.minidebuginfo.sym"), as: UTF8.self)
        let records = text.split(separator: "\n").compactMap { line -> (UInt64, String)? in
            let fields = line.split(separator: " ", maxSplits: 4)
            switch fields.first {
            case "FUNC" where fields.count == 5: return UInt64(fields[1], radix: 16).map { ($0, String(fields[4])) }
            case "PUBLIC" where fields.count >= 4:
                let name = line.split(separator: " ", maxSplits: 3)[3]
                return UInt64(fields[1], radix: 16).map { ($0, String(name)) }
            default: return nil
            }
        }
        // dump_syms labels PLT stubs "<.plt ELF section in …>": section names, not symbols.
        let named = records.filter { !$0.1.hasPrefix("<.") }
        #expect(records.count == 17 && named.count == 15)
        let demangler = ItaniumDemangler()
        var agree = 0, differences: [String] = []
        for (address, name) in named {
            let found = symbols.lookup(address)
            let readable = found.map { demangler.demangle($0.function, options: .complete) ?? $0.function }
            if found?.functionAddress == address && readable == name { agree += 1 } else {
                differences.append("0x\(String(address, radix: 16)) \(name) ≠ \(String(describing: readable))")
            }
        }
        print("MiniDebugInfo: \(agree)/\(named.count) symbol records agree (\(records.count) records with 2 PLT section labels)")
        #expect(Double(agree) >= 0.99 * Double(named.count), "\(differences)")
        // The local symbols come only from .gnu_debugdata (the outer .dynsym has none).
        #expect(symbols.lookup(0x1070)?.function == "deregister_tm_clones")
    }

    @Test func miniDebugInfoThatIsNotXZ() throws {
        var bytes = try Fixtures.bytes("dump_syms/linux/basic.minidebuginfo")
        let section = try RawSection.find(".gnu_debugdata", in: bytes)
        bytes[section.offset] ^= 0xFF
        let symbols = try Self.load(bytes)
        let problem = try #require(symbols.problems.first { $0.contains(".gnu_debugdata") }, "\(symbols.problems)")
        #expect(problem.contains("xz") && Self.offset(in: problem).map { $0 >= section.offset && $0 <= section.offset + section.size } == true,
                "\(problem)")
        #expect(symbols.lookup(0x1070)?.function != "deregister_tm_clones")
    }

    @Test func miniDebugInfoThatDecodesToGarbage() throws {
        let garbage = Pack.xz((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        let symbols = try Self.load(Self.file([.init(name: ".gnu_debugdata", type: 1, data: garbage)]))
        #expect(symbols.problems.contains { $0.contains(".gnu_debugdata") && $0.contains("not a usable ELF file") }, "\(symbols.problems)")
        // An ELF file inside, but without a symbol table.
        let empty = Pack.xz(ELFBuilder().build())
        let noTable = try Self.load(Self.file([.init(name: ".gnu_debugdata", type: 1, data: empty)]))
        #expect(noTable.problems.contains { $0.contains("has no .symtab") }, "\(noTable.problems)")
        // A bomb: inflating stops at the limit.
        let bomb = Pack.xz([UInt8](repeating: 0, count: 8 << 20))
        let big = try Self.load(Self.file([.init(name: ".gnu_debugdata", type: 1, data: bomb)]), limit: 1 << 20)
        #expect(big.problems.contains { $0.contains(".gnu_debugdata") && $0.contains("more than the limit of 1048576") }, "\(big.problems)")
    }
}
