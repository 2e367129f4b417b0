import CrashpipeCore
import SymbolsPE
import TestSupport
import Testing

/// Builds MSF 7.0 files: block 0 the superblock, blocks 1 and 2 the free block maps, then each
/// stream's blocks, the stream directory's blocks and the block map.
struct MSFBuilder {
    var blockSize = 512
    /// nil streams are absent (size 0xffffffff in the directory).
    var streams: [[UInt8]?]

    struct Layout {
        var streamBlocks: [[Int]] = []
        var directoryBlocks: [Int] = []
        var mapBlock = 0
        var directorySize = 0
        var blockCount = 0
        /// The file offset of the directory's byte `offset` (the directory is contiguous here).
        func directoryOffset(_ offset: Int, blockSize: Int) -> Int { directoryBlocks[0] * blockSize + offset }
        /// Where stream `index`'s block list starts in the directory.
        var blockListStarts: [Int] = []
    }

    static let magic: [UInt8] = Array("Microsoft C/C++ MSF 7.00\r\n".utf8) + [0x1a, 0x44, 0x53, 0, 0, 0]

    func build() -> (bytes: [UInt8], layout: Layout) {
        var layout = Layout()
        var next = 3
        var blocks: [Int: [UInt8]] = [:]
        for stream in streams {
            var list: [Int] = []
            if let stream {
                var offset = 0
                while offset < stream.count {
                    blocks[next] = Array(stream[offset..<min(offset + blockSize, stream.count)])
                    list.append(next)
                    next += 1
                    offset += blockSize
                }
            }
            layout.streamBlocks.append(list)
        }
        var directory: [UInt8] = []
        directory.append32(UInt32(streams.count))
        for stream in streams { directory.append32(stream.map { UInt32($0.count) } ?? 0xffff_ffff) }
        for list in layout.streamBlocks {
            layout.blockListStarts.append(directory.count)
            for block in list { directory.append32(UInt32(block)) }
        }
        var offset = 0
        var map: [UInt8] = []
        while offset < directory.count {
            blocks[next] = Array(directory[offset..<min(offset + blockSize, directory.count)])
            layout.directoryBlocks.append(next)
            map.append32(UInt32(next))
            next += 1
            offset += blockSize
        }
        precondition(map.count <= blockSize)
        layout.mapBlock = next
        blocks[next] = map
        next += 1
        layout.directorySize = directory.count
        layout.blockCount = next

        var bytes = [UInt8](repeating: 0, count: next * blockSize)
        var header = Self.magic
        header.append32(UInt32(blockSize))
        header.append32(1)
        header.append32(UInt32(next))
        header.append32(UInt32(directory.count))
        header.append32(0)
        header.append32(UInt32(layout.mapBlock))
        bytes.replaceSubrange(0..<header.count, with: header)
        for (block, data) in blocks { bytes.replaceSubrange(block * blockSize..<block * blockSize + data.count, with: data) }
        return (bytes, layout)
    }

    /// The GUID as the info stream stores it (Data1..3 little-endian): displays as
    /// 12345678-1234-5678-0102-030405060708.
    static let guid: [UInt8] = [0x78, 0x56, 0x34, 0x12, 0x34, 0x12, 0x78, 0x56, 1, 2, 3, 4, 5, 6, 7, 8]

    static func infoStream(age: UInt32) -> [UInt8] {
        var out: [UInt8] = []
        out.append32(20_000_404)       // VC70
        out.append32(0x5c9e_0959)      // signature (a timestamp)
        out.append32(age)
        out += guid
        out.append32(0)                // names size
        return out
    }

    static func dbiHeader(age: UInt32, symbolRecords: UInt16 = 4, machine: UInt16 = 0x14c,
                          signature: UInt32 = 0xffff_ffff) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 64)
        out.put32(signature, at: 0)
        out.put32(19_990_903, at: 4)   // V70
        out.put32(age, at: 8)
        out.put16(0xffff, at: 12)
        out.put16(0xffff, at: 16)
        out.put16(symbolRecords, at: 20)
        out.put16(machine, at: 58)
        return out
    }

    /// Streams 0 (old directory), 1 (info), 2 (TPI), 3 (DBI), 4 (symbol records).
    static func standard(infoAge: UInt32 = 5, dbiAge: UInt32 = 3, symbolRecords: UInt16 = 4,
                         machine: UInt16 = 0x14c) -> MSFBuilder {
        MSFBuilder(streams: [[], infoStream(age: infoAge), [],
                             dbiHeader(age: dbiAge, symbolRecords: symbolRecords, machine: machine),
                             [UInt8](repeating: 0xab, count: 700)])
    }
}

extension Array where Element == UInt8 {
    mutating func append32(_ value: UInt32) {
        append(contentsOf: [UInt8(value & 0xff), UInt8(value >> 8 & 0xff), UInt8(value >> 16 & 0xff), UInt8(value >> 24)])
    }
}

/// The PDB format on synthetic MSF files: what it reads, and every way the container can be
/// broken, each a ParseError naming the structure and offset.
struct PDBTests {
    static let id = "12345678-1234-5678-0102-030405060708"

    @Test func syntheticPDB() throws {
        let (bytes, _) = MSFBuilder.standard().build()
        #expect(PDBDebugFileFormat().recognizes(ByteView(bytes)))
        let result = try pdbObject(bytes)
        check(result, Expected(format: "pdb", kind: nil, arch: "x86", debugId: Self.id + "-3", codeId: nil,
                               debugFile: nil, loadAddress: 0, hasSymbols: true, hasDebugInfo: true, hasUnwindInfo: true),
              "synthetic")
    }

    /// The DBI age wins; when it is 0 the info stream's age is used.
    @Test func ages() throws {
        #expect(try pdbObject(MSFBuilder.standard(infoAge: 5, dbiAge: 3).build().bytes).debugId.map(uuidAge) == Self.id + "-3")
        #expect(try pdbObject(MSFBuilder.standard(infoAge: 5, dbiAge: 0).build().bytes).debugId.map(uuidAge) == Self.id + "-5")
    }

    @Test func machines() throws {
        for (machine, arch, unwind) in [(UInt16(0x8664), "x86_64", false), (0xaa64, "arm64", false), (0x1c0, "arm", false),
                                        (0x1c4, "unknown", false), (0x14c, "x86", true), (0, "unknown", false)] {
            let result = try pdbObject(MSFBuilder.standard(machine: machine).build().bytes)
            #expect(result.arch == arch, "machine \(machine)")
            #expect(result.features.contains(.unwind) == unwind, "machine \(machine)")
        }
    }

    /// No symbol record stream: listed without `symtab` (symbolic would not open the file).
    @Test func symbolRecordStream() throws {
        #expect(try !pdbObject(MSFBuilder.standard(symbolRecords: 0xffff).build().bytes).features.contains(.symtab))
        #expect(try !pdbObject(MSFBuilder.standard(symbolRecords: 9).build().bytes).features.contains(.symtab))
        var builder = MSFBuilder.standard()
        builder.streams[4] = nil
        #expect(try !pdbObject(builder.build().bytes).features.contains(.symtab))
    }

    @Test func blockSizes() throws {
        for size in [1024, 2048, 4096] {
            var builder = MSFBuilder.standard()
            builder.blockSize = size
            #expect(try pdbObject(builder.build().bytes).debugId.map(uuidAge) == Self.id + "-3", "block size \(size)")
        }
    }

    // MARK: Superblock

    @Test(arguments: [UInt32(0), 128, 1000, 513, 0x100_0000, 0xffff_ffff])
    func badBlockSize(_ size: UInt32) throws {
        var (bytes, _) = MSFBuilder.standard().build()
        bytes.put32(size, at: 32)
        let error = try #require(parseError { try pdbObject(bytes) })
        #expect(error.kind == .invalidValue && error.context == "MSF superblock" && error.offset == 32, "\(error)")
    }

    @Test func badMagic() throws {
        var (bytes, _) = MSFBuilder.standard().build()
        bytes[10] ^= 0x20
        #expect(!PDBDebugFileFormat().recognizes(ByteView(bytes)))
        let error = try #require(parseError { try pdbObject(bytes) })
        #expect(error.kind == .badMagic && error.context == "MSF superblock" && error.offset == 0)
    }

    @Test func truncatedSuperblock() throws {
        let (bytes, _) = MSFBuilder.standard().build()
        let error = try #require(parseError { try pdbObject(Array(bytes.prefix(40))) })
        #expect(error.kind == .truncated && error.context == "MSF superblock" && error.offset == 40)
    }

    @Test func zeroBlocks() throws {
        var (bytes, _) = MSFBuilder.standard().build()
        bytes.put32(0, at: 40)
        let error = try #require(parseError { try pdbObject(bytes) })
        #expect(error.kind == .invalidValue && error.offset == 40)
    }

    /// A directory larger than the file fails before anything is allocated for it.
    @Test(arguments: [UInt32(0xffff_fff0), 0x7fff_ffff, 0x10_0000])
    func absurdDirectorySize(_ size: UInt32) throws {
        var (bytes, _) = MSFBuilder.standard().build()
        bytes.put32(size, at: 44)
        let clock = ContinuousClock()
        let start = clock.now
        let error = try #require(parseError { try pdbObject(bytes) })
        #expect(clock.now - start < .seconds(1))
        #expect(error.kind == .absurdCount && error.context == "MSF superblock" && error.offset == 44, "\(error)")
    }

    @Test func blockMapOutOfRange() throws {
        var (bytes, layout) = MSFBuilder.standard().build()
        bytes.put32(9999, at: 52)
        var error = try #require(parseError { try pdbObject(bytes) })
        #expect(error.kind == .outOfRange && error.context == "MSF superblock" && error.offset == 52)
        #expect(error.detail.contains("block 9999") && error.detail.contains("\(layout.blockCount) blocks"))

        bytes.put32(0, at: 52)
        error = try #require(parseError { try pdbObject(bytes) })
        #expect(error.kind == .outOfRange && error.offset == 52 && error.detail.contains("superblock"))

        // The directory's blocks, listed in the block map.
        (bytes, layout) = MSFBuilder.standard().build()
        bytes.put32(UInt32(layout.blockCount), at: layout.mapBlock * 512)
        error = try #require(parseError { try pdbObject(bytes) })
        #expect(error.kind == .outOfRange && error.context == "MSF block map" && error.offset == layout.mapBlock * 512)
    }

    /// A block count that claims more blocks than the file has: the reads that reach past the
    /// end fail, naming the structure.
    @Test func blocksPastTheEndOfTheFile() throws {
        let (full, layout) = MSFBuilder.standard().build()
        let cut = Array(full.prefix(layout.mapBlock * 512))    // the block map is the last block
        let error = try #require(parseError { try pdbObject(cut) })
        #expect(error.context == "MSF block map" && error.offset == layout.mapBlock * 512, "\(error)")
    }

    // MARK: Stream directory

    @Test func absurdStreamCount() throws {
        var (bytes, layout) = MSFBuilder.standard().build()
        bytes.put32(0x7fff_ffff, at: layout.directoryOffset(0, blockSize: 512))
        let error = try #require(parseError { try pdbObject(bytes) })
        #expect(error.kind == .absurdCount && error.context == "stream directory")
        #expect(error.offset == layout.directoryOffset(0, blockSize: 512))
    }

    /// The directory names the block map's own block: the "directory" is the block map, its
    /// stream count is that block number, and the sizes do not fit. No chain to follow, so no
    /// loop either way.
    @Test func directoryInTheBlockMapItself() throws {
        var (bytes, layout) = MSFBuilder.standard().build()
        bytes.put32(8, at: 44)                                   // an 8-byte directory
        bytes.put32(UInt32(layout.mapBlock), at: layout.mapBlock * 512)
        let error = try #require(parseError { try pdbObject(bytes) })
        #expect(error.kind == .absurdCount && error.context == "stream directory")
    }

    @Test func missingStreams() throws {
        // Only streams 0...2: no DBI stream.
        var builder = MSFBuilder.standard()
        builder.streams.removeLast(2)
        var error = try #require(parseError { try pdbObject(builder.build().bytes) })
        #expect(error.kind == .outOfRange && error.context == "stream directory" && error.detail.contains("stream 3"))

        builder = MSFBuilder.standard()
        builder.streams[3] = nil
        error = try #require(parseError { try pdbObject(builder.build().bytes) })
        #expect(error.kind == .outOfRange && error.detail.contains("DBI"))

        builder = MSFBuilder.standard()
        builder.streams[1] = nil
        error = try #require(parseError { try pdbObject(builder.build().bytes) })
        #expect(error.kind == .outOfRange && error.detail.contains("stream 1"))
    }

    @Test func streamBlockOutOfRange() throws {
        for bad in [UInt32(9999), 0] {
            var (bytes, layout) = MSFBuilder.standard().build()
            let entry = layout.directoryOffset(layout.blockListStarts[3], blockSize: 512)
            bytes.put32(bad, at: entry)
            let error = try #require(parseError { try pdbObject(bytes) })
            #expect(error.kind == .outOfRange && error.context == "DBI stream (stream 3)" && error.offset == entry, "\(error)")
            #expect(error.detail.contains(bad == 0 ? "superblock" : "block 9999"))
        }
        // The symbol record stream's blocks are checked too.
        var (bytes, layout) = MSFBuilder.standard().build()
        let entry = layout.directoryOffset(layout.blockListStarts[4] + 4, blockSize: 512)
        bytes.put32(5000, at: entry)
        let error = try #require(parseError { try pdbObject(bytes) })
        #expect(error.context == "symbol record stream (stream 4)" && error.offset == entry)
    }

    /// A stream size whose block list would run past the directory.
    @Test func blockListPastTheDirectory() throws {
        var (bytes, layout) = MSFBuilder.standard().build()
        bytes.put32(0x7fff_ffff, at: layout.directoryOffset(4 + 3 * 4, blockSize: 512))   // DBI size
        let error = try #require(parseError { try pdbObject(bytes) })
        #expect(error.kind == .truncated && error.context == "DBI stream (stream 3)", "\(error)")
    }

    @Test func shortStreams() throws {
        var builder = MSFBuilder.standard()
        builder.streams[3] = Array(MSFBuilder.dbiHeader(age: 1).prefix(10))
        var error = try #require(parseError { try pdbObject(builder.build().bytes) })
        #expect(error.kind == .truncated && error.context == "DBI stream (stream 3)" && error.detail.contains("DBI header"))

        builder = MSFBuilder.standard()
        builder.streams[1] = Array(MSFBuilder.infoStream(age: 1).prefix(20))
        error = try #require(parseError { try pdbObject(builder.build().bytes) })
        #expect(error.kind == .truncated && error.context == "PDB info stream (stream 1)")
    }

    @Test func ancientDBIHeader() throws {
        var builder = MSFBuilder.standard()
        builder.streams[3] = MSFBuilder.dbiHeader(age: 1, signature: 0)
        let error = try #require(parseError { try pdbObject(builder.build().bytes) })
        #expect(error.kind == .unsupported && error.context == "DBI stream")
    }

    /// "Microsoft C/C++ program database 2.00" files are recognized and refused clearly.
    @Test func pdb20Container() throws {
        var bytes = Array("Microsoft C/C++ program database 2.00\r\n".utf8) + [0x1a, 0x4a, 0x47]
        bytes += [UInt8](repeating: 0, count: 1024)
        #expect(PDBDebugFileFormat().recognizes(ByteView(bytes)))
        let error = try #require(parseError { try pdbObject(bytes) })
        #expect(error.kind == .unsupported && error.offset == 0)
        #expect(error.description.contains("program database 2.00"))
    }

    // MARK: The real files, patched

    @Test func realFileDirectorySize() throws {
        var bytes = try Fixtures.bytes(Files.crashPdb)
        bytes.put32(0xffff_0000, at: 44)
        let error = try #require(parseError { try pdbObject(bytes) })
        #expect(error.kind == .absurdCount && error.offset == 44)

        bytes = try Fixtures.bytes(Files.crashPdb)
        let truncated = Array(bytes.prefix(4096))
        #expect(parseError { try pdbObject(truncated) } != nil)
    }
}
