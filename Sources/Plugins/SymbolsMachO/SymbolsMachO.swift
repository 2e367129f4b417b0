import CrashpipeCore

/// The Mach-O debug-file plugin: executables, dylibs, bundles and dSYM companions of Apple
/// platforms, thin or universal (fat).
///
/// Registers the debug-file format `macho` (``MachODebugFileFormat``).
public enum SymbolsMachOPlugin {
    public static func register(in registry: inout PluginRegistry) throws {
        try registry.register(debugFileFormat: MachODebugFileFormat())
        try registry.register(symbolFormat: MachOSymbolFormat())
    }
}

/// Mach-O files, listed as getsentry/symbolic (`symbolic-debuginfo/src/macho/mod.rs`) lists
/// them: one ``DebugObject`` for a thin file (MH_MAGIC, MH_MAGIC_64, either byte order), one per
/// architecture, in header order, for a universal file (FAT_MAGIC, FAT_MAGIC_64).
///
/// - code id: the LC_UUID bytes in lower-case hex; debug id: the same UUID, age 0;
/// - arch: from cputype and cpusubtype (capability bits masked off) in symbolic's names:
///   `x86`, `x86_64`, `x86_64h`, `arm64`, `arm64e`, `arm64_32`, `armv7`, `armv7s`, `armv7k`, `ppc`, ...;
/// - kind: MH_EXECUTE, MH_PRELOAD, MH_DYLINKER `executable`; MH_DYLIB, MH_BUNDLE, MH_FVMLIB,
///   MH_KEXT_BUNDLE `library`; MH_DSYM `debug`; MH_OBJECT `relocatable`; MH_CORE `dump`;
/// - load address: the `__TEXT` segment's vmaddr;
/// - features: `symtab` (an LC_SYMTAB), `debug` (a `__debug_info` section), `unwind`
///   (`__eh_frame`, `__debug_frame` or `__unwind_info`). As in symbolic, the first section
///   with the name decides, and one with a file offset of 0 (what dsymutil leaves of `__TEXT`
///   in a dSYM) counts as missing.
///
/// A Java class file (also 0xCAFEBABE, with a "count" of 45 or more) is not recognized. Headers,
/// load commands, segments or fat slices outside the file, absurd counts and overlapping slices
/// throw a ``ParseError``.
public struct MachODebugFileFormat: DebugFileFormat {
    public init() {}

    public var name: String { "macho" }
    public var breakpadOperatingSystem: String? { "Mac" }

    public func recognizes(_ bytes: ByteView) -> Bool {
        guard let magic = try? bytes.u32(at: 0, .big) else { return false }
        switch magic {
        case MachO.FAT_MAGIC, MachO.FAT_MAGIC_64:
            guard let count = try? bytes.u32(at: 4, .big) else { return false }
            return count < 45
        default:
            return MachO.thinMagic(magic) != nil
        }
    }

    public func objects(in bytes: ByteView) throws -> [DebugObject] {
        try MachO.slices(of: bytes).map { slice in
            do {
                var object = try MachOFile(slice.bytes).debugObject()
                if slice.label != nil {
                    // A fat slice: its bytes, relative to the start of the file given.
                    let start = slice.bytes.start - bytes.start
                    object.byteRange = start..<(start + slice.bytes.count)
                }
                return object
            } catch let error as ParseError {
                guard let label = slice.label else { throw error }
                var tagged = error
                tagged.context = error.context.map { "\(label), \($0)" } ?? label
                throw tagged
            }
        }
    }
}
