import CrashpipeCore

/// The ELF debug-file plugin: executables, shared libraries, split debug files, relocatable
/// objects and core files of Linux, Android and the BSDs.
///
/// Registers the debug-file format `elf` (``ELFDebugFileFormat``) and the symbol format `elf`
/// (``ELFSymbolFormat``: function names from the symbol table).
public enum SymbolsELFPlugin {
    public static func register(in registry: inout PluginRegistry) throws {
        try registry.register(debugFileFormat: ELFDebugFileFormat())
        try registry.register(symbolFormat: ELFSymbolFormat())
    }
}

/// ELF files (32 and 64-bit, either byte order), listed as one ``DebugObject`` with the values
/// getsentry/symbolic (`symbolic-debuginfo/src/elf.rs`) reports:
///
/// - code id: the GNU build id note (PT_NOTE segments first, then a `.note.gnu.build-id`
///   section), in lower-case hex;
/// - debug id: the first 16 bytes of the build id as a GUID, the first three fields
///   byte-swapped when the file is little-endian; without a build id, the first page of
///   `.text` XORed into 16 bytes, converted the same way; age 0. Where symbolic reports the nil
///   UUID (an empty build id, or neither a build id nor `.text`) the debug id is nil;
/// - kind: `relocatable` (ET_REL), `executable` (ET_EXEC), `library` (ET_DYN, position
///   independent executables included), `dump` (ET_CORE), and `debug` for an ET_EXEC without a
///   program interpreter or an ET_DYN without a `.text` with contents (what `objcopy
///   --only-keep-debug` leaves);
/// - load address: the first PT_LOAD segment's virtual address;
/// - features: `symtab` (a non-empty `.symtab` or `.dynsym`), `debug` (`.debug_info`, also
///   compressed or `.zdebug_info`), `unwind` (`.eh_frame` or `.debug_frame`); a section counts
///   when it has file contents (not SHT_NOBITS, a non-zero offset, inside the file);
/// - debug file: the name in `.gnu_debuglink`, if any.
///
/// Malformed headers, program or section header tables outside the file and absurd counts throw
/// a ``ParseError``; a damaged note or section is skipped as symbolic skips it.
public struct ELFDebugFileFormat: DebugFileFormat {
    public init() {}

    public var name: String { "elf" }
    public var breakpadOperatingSystem: String? { "Linux" }

    public func recognizes(_ bytes: ByteView) -> Bool {
        bytes.count >= 4 && bytes[safe: 0] == 0x7f && bytes[safe: 1] == 0x45 && bytes[safe: 2] == 0x4c
            && bytes[safe: 3] == 0x46
    }

    public func objects(in bytes: ByteView) throws -> [DebugObject] {
        let file = try ELFFile(bytes)
        return [file.debugObject()]
    }
}
