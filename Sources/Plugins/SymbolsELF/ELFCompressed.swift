import CrashpipeCore

// Compressed sections: SHF_COMPRESSED (gABI: an Elf32_Chdr/Elf64_Chdr, then a zlib or zstd
// stream), GNU `.zdebug_*` ("ZLIB", the size as 8 big-endian bytes, then a zlib stream) and
// MiniDebugInfo's `.gnu_debugdata` (an xz-compressed ELF file). The system libraries decode
// them through Core's `Decompression`; the output is an owned `ByteStorage`, so views of it
// live as long as anything holds them, independently of the file's bytes.

extension ELF {
    static let ELFCOMPRESS_ZLIB: UInt32 = 1, ELFCOMPRESS_ZSTD: UInt32 = 2
    /// The most a compressed section may inflate to unless the caller says otherwise.
    static let defaultDecompressedLimit = 1 << 30
}

extension ELFFile {
    /// A section's contents as the DWARF and CFI readers need them: inflated when the section
    /// is SHF_COMPRESSED or a GNU `.zdebug_*` section, the file's bytes otherwise. Never more
    /// than `limit` bytes are produced (nor more than a compression header declares); a
    /// damaged header or stream throws a ``ParseError`` naming the section and the file offset.
    func sectionContents(_ section: ELFSectionHeader, limit: Int = ELF.defaultDecompressedLimit) throws(ParseError) -> ByteView {
        let raw = try sectionData(section)
        let name = sectionName(section) ?? "section \(section.name)"
        if section.flags & ELF.SHF_COMPRESSED != 0 {
            return try inflateCompressed(raw, name: name, limit: limit)
        }
        if name.hasPrefix(".zdebug_") {
            return try inflateGNU(raw, name: name, limit: limit)
        }
        return raw
    }

    /// The name a section's contents go by once inflated: `.zdebug_info` is `.debug_info`.
    static func uncompressedName(_ name: String) -> String {
        name.hasPrefix(".zdebug_") ? ".debug_" + name.dropFirst(".zdebug_".count) : name
    }

    /// SHF_COMPRESSED: `ch_type`, (64-bit: `ch_reserved`), `ch_size`, `ch_addralign`, then the
    /// stream.
    private func inflateCompressed(_ raw: ByteView, name: String, limit: Int) throws(ParseError) -> ByteView {
        let context = "\(name) (SHF_COMPRESSED)"
        let headerSize = is64 ? 24 : 12
        guard raw.count >= headerSize else {
            throw ParseError(.truncated, offset: raw.fileOffset(0), context: context,
                             "the compression header (Elf\(is64 ? 64 : 32)_Chdr) needs \(headerSize) bytes, the section has \(raw.count)")
        }
        let type = try raw.u32(at: 0, endian)
        let declared = try is64 ? raw.u64(at: 8, endian) : UInt64(raw.u32(at: 4, endian))
        let codec: Codec
        switch type {
        case ELF.ELFCOMPRESS_ZLIB: codec = .zlib
        case ELF.ELFCOMPRESS_ZSTD: codec = .zstd
        default:
            throw ParseError(.unsupported, offset: raw.fileOffset(0), context: context,
                             "ch_type \(type) is neither ELFCOMPRESS_ZLIB (1) nor ELFCOMPRESS_ZSTD (2)")
        }
        guard let size = Int(exactly: declared), size <= limit else {
            throw ParseError(.absurdCount, offset: raw.fileOffset(is64 ? 8 : 4), context: context,
                             "ch_size \(declared) is more than the limit of \(limit) bytes for a decompressed section")
        }
        return try inflate(try raw.suffix(from: headerSize), codec: codec, size: size, context: context)
    }

    /// GNU `.zdebug_*`: "ZLIB", the uncompressed size (8 bytes, big-endian), a zlib stream.
    private func inflateGNU(_ raw: ByteView, name: String, limit: Int) throws(ParseError) -> ByteView {
        let context = "\(name) (GNU zlib-compressed)"
        guard raw.count >= 12, raw[safe: 0] == 0x5A, raw[safe: 1] == 0x4C, raw[safe: 2] == 0x49, raw[safe: 3] == 0x42 else {
            throw ParseError(.badMagic, offset: raw.fileOffset(0), context: context,
                             "a .zdebug section starts with \"ZLIB\" and an 8-byte size; this one has \(raw.count) bytes and does not")
        }
        let declared = try raw.u64(at: 4, .big)
        guard let size = Int(exactly: declared), size <= limit else {
            throw ParseError(.absurdCount, offset: raw.fileOffset(4), context: context,
                             "the declared size \(declared) is more than the limit of \(limit) bytes for a decompressed section")
        }
        return try inflate(try raw.suffix(from: 12), codec: .zlib, size: size, context: context)
    }

    /// Inflates `stream`, which must produce exactly `size` bytes.
    private func inflate(_ stream: ByteView, codec: Codec, size: Int, context: String) throws(ParseError) -> ByteView {
        let storage: ByteStorage
        do {
            storage = try Decompression.decompressedStorage(stream, codec: codec, maxOutput: size)
        } catch {
            throw Self.problem(error, stream: stream, context: context,
                               tooBig: "the \(codec) stream inflates to more than the \(size) bytes its header declares; inflating stopped there (a lying header or a bomb)")
        }
        guard storage.bytes.count == size else {
            throw ParseError(.invalidValue, offset: stream.fileOffset(0), context: context,
                             "the \(codec) stream inflates to \(storage.bytes.count) bytes, its header declares \(size)")
        }
        return storage.view
    }

    /// A decompression failure as a ``ParseError`` at the file offset where the library stopped.
    static func problem(_ error: DecompressionError, stream: ByteView, context: String, tooBig: String) -> ParseError {
        let offset = stream.fileOffset(min(error.inputOffset, stream.count))
        switch error.kind {
        case .tooBig:
            return ParseError(.absurdCount, offset: offset, context: context, tooBig)
        case .truncated:
            return ParseError(.truncated, offset: offset, context: context,
                              "the \(stream.count)-byte \(error.codec) stream ends before the end of the compressed data")
        case .trailing:
            return ParseError(.invalidValue, offset: offset, context: context,
                              "\(stream.count - error.inputOffset) bytes follow the end of the \(error.codec) stream")
        case .noMemory:
            return ParseError(.unsupported, offset: offset, context: context, "out of memory while inflating: \(error.message)")
        case .corrupt:
            return ParseError(.invalidValue, offset: offset, context: context,
                              "the \(error.codec) stream is corrupt at or shortly before this offset: \(error.message)")
        }
    }

    // MARK: MiniDebugInfo

    /// MiniDebugInfo (`.gnu_debugdata`): the xz-compressed ELF file whose `.symtab` holds the
    /// local function symbols a stripped binary lost. nil without the section; throws when it
    /// is not xz, inflates past `limit`, or does not hold an ELF file.
    func miniDebugInfo(limit: Int = ELF.defaultDecompressedLimit) throws(ParseError) -> ELFFile? {
        guard let section = sections.first(where: { $0.type != ELF.SHT_NOBITS && sectionName($0) == ".gnu_debugdata" }) else {
            return nil
        }
        let context = ".gnu_debugdata (MiniDebugInfo)"
        let raw: ByteView
        do {
            raw = try sectionData(section)
        } catch {
            throw error.within(context)
        }
        let storage: ByteStorage
        do {
            storage = try Decompression.decompressedStorage(raw, codec: .xz, maxOutput: limit)
        } catch {
            throw Self.problem(error, stream: raw, context: context,
                               tooBig: "the xz stream inflates to more than the limit of \(limit) bytes; inflating stopped there")
        }
        do {
            return try ELFFile(storage.view)
        } catch {
            throw ParseError(error.kind, offset: raw.fileOffset(0), context: context,
                             "the inflated \(storage.bytes.count) bytes are not a usable ELF file: \(error)")
        }
    }
}
