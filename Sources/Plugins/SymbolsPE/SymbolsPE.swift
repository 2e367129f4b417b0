import CrashpipeCore

/// Windows debug files: Portable Executables (`.exe`, `.dll`) and Program Databases (`.pdb`).
///
/// Registers two debug-file formats:
/// - `pe` (``PEDebugFileFormat``): the image's identity (code id, the debug id and PDB path of
///   its CodeView record), CPU, kind, image base and what it can be used for;
/// - `pdb` (``PDBDebugFileFormat``): MSF 7.0 program databases, identified by the GUID of the
///   PDB info stream and the age of the DBI stream.
///
/// Both report what getsentry/symbolic (`symbolic-debuginfo`, `pe.rs` and `pdb.rs`) reports for
/// the same file, so ids and features agree with `sentry-cli debug-files check`. Where crashpipe
/// deliberately differs it is said on the type.
public enum SymbolsPEPlugin {
    public static func register(in registry: inout PluginRegistry) throws {
        try registry.register(debugFileFormat: PEDebugFileFormat())
        try registry.register(debugFileFormat: PDBDebugFileFormat())
    }
}

/// The CPU name symbolic gives a PE/COFF `Machine` value (symbolic's `arch_from_machine` over
/// the pdb crate's `MachineType`). Only these five are named; everything else, including
/// 0x1c4 (ARMNT, Thumb-2, what 32-bit Windows on ARM uses), is "unknown" there, and
/// `sentry-cli debug-files check` prints "unknown" for such a file.
func archName(machine: UInt16) -> String {
    switch machine {
    case 0x014c: return "x86"
    case 0x8664: return "x86_64"
    case 0x01c0: return "arm"
    case 0xaa64: return "arm64"
    case 0x01f0: return "ppc"
    default: return "unknown"
    }
}

/// `0x1a2b` for messages.
func hexText<T: BinaryInteger>(_ value: T) -> String { "0x" + String(value, radix: 16) }

/// The little-endian value at `at` of bytes already read and bounds-checked.
func le32(_ b: [UInt8], _ at: Int) -> UInt32 {
    UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
}

func le16(_ b: [UInt8], _ at: Int) -> UInt16 {
    UInt16(b[at]) | UInt16(b[at + 1]) << 8
}
