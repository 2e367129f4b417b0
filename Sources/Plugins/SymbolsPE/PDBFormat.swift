import CrashpipeCore

/// Program Databases in the MSF 7.0 ("big MSF") container, what every toolchain since Visual
/// C++ 7 writes.
///
/// Reads: the MSF superblock, the stream directory (through the block map), the PDB info stream
/// (stream 1: version, signature, age, GUID) and the header of the DBI stream (stream 3: age,
/// symbol record stream, machine).
///
/// Reports, as symbolic's `PdbObject` does:
/// - debug id: the info stream's GUID with the DBI stream's age, or the info stream's age when
///   the DBI age is 0 (the info age is bumped by tools that rewrite the PDB, the DBI age is the
///   linker's and matches the image);
/// - arch from the DBI machine type (see ``archName(machine:)``);
/// - no kind (symbolic says "debug companion"; crashpipe's model leaves PDBs without a kind),
///   no code id, no debug file, load address 0;
/// - features: `symtab` when the symbol record stream exists (symbolic assumes it, and fails to
///   open a PDB without one), `debug` always (symbolic: "no cheap way to find out", so assumed),
///   `unwind` when the arch is x86 (symbolic: 32-bit PDBs carry FPO/frame data; x64 and ARM64
///   unwind data lives in the image's `.pdata`).
///
/// symbolic opens more than this to list a PDB (the global symbols, the section headers, the
/// DBI substreams), so damage confined to those streams makes symbolic reject a file that
/// crashpipe still lists with the identity it read.
///
/// The old "Microsoft C/C++ program database 2.00" container is recognized and reported as
/// unsupported (a ``ParseError`` of kind `.unsupported`), as symbolic and the pdb crate do not
/// read it either.
///
/// Robustness: block numbers, stream indices and sizes come from the file and are checked before
/// use; the directory is only assembled once its declared size has been checked against the
/// file size, and streams are read piecewise, so a hostile file costs at most its own size in
/// memory. Block lists are plain arrays, so there are no chains to loop on.
public struct PDBDebugFileFormat: DebugFileFormat {
    /// "Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0" (32 bytes).
    static let msf7Magic: [UInt8] = Array("Microsoft C/C++ MSF 7.00\r\n".utf8) + [0x1a, 0x44, 0x53, 0, 0, 0]
    /// "Microsoft C/C++ program database 2.00\r\n\x1aJG".
    static let pdb2Magic: [UInt8] = Array("Microsoft C/C++ program database 2.00\r\n".utf8) + [0x1a, 0x4a, 0x47]

    public init() {}

    public var name: String { "pdb" }

    public func recognizes(_ bytes: ByteView) -> Bool {
        Self.hasPrefix(bytes, Self.msf7Magic) || Self.hasPrefix(bytes, Self.pdb2Magic)
    }

    public func objects(in bytes: ByteView) throws -> [DebugObject] {
        if Self.hasPrefix(bytes, Self.pdb2Magic) {
            throw ParseError(.unsupported, offset: bytes.fileOffset(0), context: "PDB header",
                             "a Microsoft C/C++ program database 2.00 (small MSF) file; only MSF 7.0 PDBs are read")
        }
        guard Self.hasPrefix(bytes, Self.msf7Magic) else {
            throw ParseError(.badMagic, offset: bytes.fileOffset(0), context: "MSF superblock",
                             "not a Microsoft C/C++ MSF 7.00 file")
        }
        return [try PDBFile(bytes).debugObject()]
    }

    static func hasPrefix(_ bytes: ByteView, _ magic: [UInt8]) -> Bool {
        guard bytes.count >= magic.count else { return false }
        return bytes.withUnsafeBytes { raw in raw.prefix(magic.count).elementsEqual(magic) }
    }
}

/// The identifying parts of a PDB.
struct PDBFile: Sendable {
    static let infoStream = 1
    static let dbiStream = 3

    var guid: [UInt8]
    var infoAge: UInt32
    var dbiAge: UInt32
    var machine: UInt16
    var hasSymbolRecords: Bool

    init(_ bytes: ByteView) throws(ParseError) {
        let msf = try MSFFile(bytes)

        // DBI first, as the pdb crate opens it first.
        guard let dbi = try msf.stream(Self.dbiStream, name: "DBI stream") else {
            throw ParseError(.outOfRange, offset: msf.directoryFileOffset(0), context: "stream directory",
                             "the DBI stream (stream 3) does not exist; the directory lists \(msf.streamCount) streams")
        }
        let dbiHeader = try dbi.read(offset: 0, count: 64, what: "DBI header")
        let signature = le32(dbiHeader, 0)
        guard signature == 0xffff_ffff else {
            throw ParseError(.unsupported, offset: dbi.fileOffset(0), context: "DBI stream",
                             "ancient DBI header (signature \(hexText(signature)), not 0xffffffff)")
        }
        dbiAge = le32(dbiHeader, 8)
        let symbolRecordStream = Int(le16(dbiHeader, 20))
        machine = le16(dbiHeader, 58)

        guard let info = try msf.stream(Self.infoStream, name: "PDB info stream") else {
            throw ParseError(.outOfRange, offset: msf.directoryFileOffset(0), context: "stream directory",
                             "the PDB info stream (stream 1) does not exist; the directory lists \(msf.streamCount) streams")
        }
        let infoHeader = try info.read(offset: 0, count: 28, what: "PDB info header")
        infoAge = le32(infoHeader, 8)
        guid = Array(infoHeader[12..<28])

        // 0xffff is "no stream". A listed stream must still have a valid block list.
        if symbolRecordStream == 0xffff {
            hasSymbolRecords = false
        } else {
            hasSymbolRecords = try msf.stream(symbolRecordStream, name: "symbol record stream") != nil
        }
    }

    var debugId: DebugId? { DebugId(peGuid: guid, age: dbiAge != 0 ? dbiAge : infoAge) }

    func debugObject() -> DebugObject {
        let arch = archName(machine: machine)
        var features: DebugFeatures = [.debug]
        if hasSymbolRecords { features.insert(.symtab) }
        if arch == "x86" { features.insert(.unwind) }
        return DebugObject(format: "pdb", kind: nil, arch: arch, debugId: debugId, codeId: nil, debugFile: nil,
                           loadAddress: 0, features: features)
    }
}

/// An MSF 7.0 container: fixed-size blocks, a superblock in block 0, and a stream directory
/// whose blocks are listed in the block map.
struct MSFFile: Sendable {
    let bytes: ByteView
    let blockSize: Int
    let blockCount: Int
    /// The blocks holding the stream directory, in order.
    let directoryBlocks: [Int]
    /// The stream directory: stream count, stream sizes, then each stream's block numbers.
    let directory: [UInt8]
    let streamCount: Int
    /// Where each stream's block list starts in `directory`.
    private let blockListOffsets: [Int]

    private static let superblockContext = "MSF superblock"

    init(_ bytes: ByteView) throws(ParseError) {
        self.bytes = bytes
        var header = ByteReader(bytes, offset: 32, context: Self.superblockContext)
        let blockSize = try header.u32()
        _ = try header.u32()                       // free block map
        let blockCount = try header.u32()
        let directorySize = try header.u32()
        _ = try header.u32()                       // unknown
        let blockMapListOffset = header.offset     // the block map's own block numbers follow

        guard blockSize.nonzeroBitCount == 1, blockSize >= 0x100, blockSize <= 0x80_0000 else {
            throw ParseError(.invalidValue, offset: bytes.fileOffset(32), context: Self.superblockContext,
                             "block size \(blockSize) is not a power of two from 256 to 8 MiB")
        }
        guard blockCount > 0 else {
            throw ParseError(.invalidValue, offset: bytes.fileOffset(40), context: Self.superblockContext,
                             "the file has 0 blocks")
        }
        self.blockSize = Int(blockSize)
        self.blockCount = Int(blockCount)

        // The directory must fit in the file's blocks before anything is allocated for it.
        let directoryBlockCount = (Int(directorySize) + self.blockSize - 1) / self.blockSize
        guard Int(directorySize) <= bytes.count, directoryBlockCount <= self.blockCount else {
            throw ParseError(.absurdCount, offset: bytes.fileOffset(44), context: Self.superblockContext,
                             "a stream directory of \(directorySize) bytes cannot fit in \(blockCount) blocks "
                                + "of \(blockSize) bytes (a \(bytes.count)-byte file)")
        }
        // The block map (the directory's block numbers) takes these blocks, listed after the header.
        let mapBlockCount = (directoryBlockCount * 4 + self.blockSize - 1) / self.blockSize
        guard blockMapListOffset + mapBlockCount * 4 <= self.blockSize else {
            throw ParseError(.absurdCount, offset: bytes.fileOffset(blockMapListOffset), context: Self.superblockContext,
                             "the block map needs \(mapBlockCount) blocks, more than the superblock can list")
        }
        var mapBlocks: [Int] = []
        for index in 0..<mapBlockCount {
            let at = blockMapListOffset + index * 4
            let number = try header.u32()
            mapBlocks.append(try Self.validate(number, blockCount: self.blockCount, bytes: bytes, at: at,
                                               what: "block map block \(index)", context: Self.superblockContext))
        }

        // Read the directory's block numbers from the block map.
        var directoryBlocks: [Int] = []
        directoryBlocks.reserveCapacity(directoryBlockCount)
        for index in 0..<directoryBlockCount {
            let mapBlock = mapBlocks[index * 4 / self.blockSize]
            let at = mapBlock * self.blockSize + index * 4 % self.blockSize
            let number: UInt32
            do { number = try bytes.u32(at: at) } catch { throw error.within("MSF block map") }
            directoryBlocks.append(try Self.validate(number, blockCount: self.blockCount, bytes: bytes, at: at,
                                                     what: "stream directory block \(index)", context: "MSF block map"))
        }
        self.directoryBlocks = directoryBlocks

        // Assemble the directory.
        var directory: [UInt8] = []
        directory.reserveCapacity(Int(directorySize))
        var remaining = Int(directorySize)
        for block in directoryBlocks {
            let chunk = min(remaining, self.blockSize)
            do {
                let view = try bytes.slice(offset: block * self.blockSize, size: chunk, what: "stream directory block \(block)")
                directory.append(contentsOf: view.array)
            } catch { throw error.within("stream directory") }
            remaining -= chunk
        }
        self.directory = directory

        // Stream count and sizes, then where each stream's block list starts.
        guard directory.count >= 4 else {
            throw ParseError(.truncated, offset: Self.fileOffset(in: directoryBlocks, 0, blockSize: Int(blockSize), bytes: bytes),
                             context: "stream directory", "\(directory.count) bytes hold no stream count")
        }
        let count = Int(le32(directory, 0))
        guard count <= (directory.count - 4) / 4 else {
            throw ParseError(.absurdCount, offset: Self.fileOffset(in: directoryBlocks, 0, blockSize: self.blockSize, bytes: bytes),
                             context: "stream directory",
                             "\(count) stream sizes do not fit in a \(directory.count)-byte directory")
        }
        streamCount = count
        var offsets: [Int] = []
        offsets.reserveCapacity(count)
        var position = 4 + count * 4
        for index in 0..<count {
            offsets.append(position)
            let size = le32(directory, 4 + index * 4)
            if size != 0xffff_ffff { position += (Int(size) + self.blockSize - 1) / self.blockSize * 4 }
        }
        blockListOffsets = offsets
    }

    /// A block number from the file, checked: block 0 is the superblock and numbers at or past
    /// the block count are outside the file.
    private static func validate(_ number: UInt32, blockCount: Int, bytes: ByteView, at: Int, what: String,
                                 context: String) throws(ParseError) -> Int {
        guard number != 0, Int(number) < blockCount else {
            throw ParseError(.outOfRange, offset: bytes.fileOffset(at), context: context,
                             number == 0 ? "\(what) is block 0, the superblock"
                                 : "\(what) is block \(number), past the file's \(blockCount) blocks")
        }
        return Int(number)
    }

    private static func fileOffset(in blocks: [Int], _ offset: Int, blockSize: Int, bytes: ByteView) -> Int {
        let index = offset / blockSize
        guard index < blocks.count else { return bytes.fileOffset(44) }
        return bytes.fileOffset(blocks[index] * blockSize + offset % blockSize)
    }

    /// The file offset of byte `offset` of the stream directory.
    func directoryFileOffset(_ offset: Int) -> Int {
        Self.fileOffset(in: directoryBlocks, offset, blockSize: blockSize, bytes: bytes)
    }

    /// Stream `index`, or nil when the directory does not list it or marks it absent
    /// (size 0xffffffff). Its block list must lie in the directory and name blocks of the file.
    func stream(_ index: Int, name: String) throws(ParseError) -> MSFStream? {
        guard index >= 0, index < streamCount else { return nil }
        let size = le32(directory, 4 + index * 4)
        guard size != 0xffff_ffff else { return nil }
        let count = (Int(size) + blockSize - 1) / blockSize
        let start = blockListOffsets[index]
        let context = "\(name) (stream \(index))"
        guard start + count * 4 <= directory.count else {
            throw ParseError(.truncated, offset: directoryFileOffset(min(start, directory.count - 1)), context: context,
                             "the block list of \(count) blocks for \(size) bytes runs past the "
                                + "\(directory.count)-byte stream directory")
        }
        var blocks: [Int] = []
        blocks.reserveCapacity(count)
        for i in 0..<count {
            let at = start + i * 4
            let number = le32(directory, at)
            guard number != 0, Int(number) < blockCount else {
                throw ParseError(.outOfRange, offset: directoryFileOffset(at), context: context,
                                 number == 0 ? "block \(i) of the stream is block 0, the superblock"
                                     : "block \(i) of the stream is block \(number), past the file's \(blockCount) blocks")
            }
            blocks.append(Int(number))
        }
        return MSFStream(bytes: bytes, blockSize: blockSize, size: Int(size), blocks: blocks, context: context)
    }
}

/// One stream of an MSF file: its size and blocks.
struct MSFStream: Sendable {
    let bytes: ByteView
    let blockSize: Int
    let size: Int
    let blocks: [Int]
    let context: String

    /// The file offset of byte `offset` of the stream (for messages).
    func fileOffset(_ offset: Int) -> Int {
        let index = offset / blockSize
        guard index < blocks.count else { return bytes.fileOffset(blocks.last.map { $0 * blockSize } ?? 0) }
        return bytes.fileOffset(blocks[index] * blockSize + offset % blockSize)
    }

    /// `count` bytes at `offset` of the stream, gathered across blocks.
    func read(offset: Int, count: Int, what: String) throws(ParseError) -> [UInt8] {
        guard offset >= 0, count >= 0, offset + count <= size else {
            throw ParseError(.truncated, offset: fileOffset(0), context: context,
                             "\(what) needs \(count) bytes at \(offset), the stream has \(size)")
        }
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var position = offset
        while position < offset + count {
            let block = blocks[position / blockSize]
            let within = position % blockSize
            let chunk = min(blockSize - within, offset + count - position)
            do {
                out += try bytes.bytes(at: block * blockSize + within, count: chunk)
            } catch { throw error.within(context) }
            position += chunk
        }
        return out
    }
}
