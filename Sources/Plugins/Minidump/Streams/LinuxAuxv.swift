import CrashpipeCore

/// /proc/<pid>/auxv (Breakpad stream 0x47670008): the ELF auxiliary vector the kernel gave the
/// process, as (type, value) pairs of pointer-size words in the dump's byte order, ending with
/// AT_NULL.
///
/// The word size comes from the dump's CPU (SystemInfo); without one it is guessed from the
/// stream's length, with a warning. Pairs after AT_NULL and a trailing partial pair are
/// ignored with a warning. Fills `LinuxDetails.auxv`.
public struct LinuxAuxv: MinidumpStream {
    public static let streamType = StreamType.linuxAuxv

    public struct Entry: Sendable, Encodable {
        public var type: UInt64
        public var name: String?
        @Hex public var value: UInt64
    }

    /// 4 or 8.
    public var wordSize: Int
    public var entries: [Entry]
    public var warnings: [String]

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        warnings = []
        if let cpu = dump.cpu {
            wordSize = cpu.pointerSize
        } else {
            wordSize = data.count % 16 == 0 ? 8 : 4
            warnings.append("no CPU in the dump; reading \(wordSize * 8)-bit auxv entries")
        }
        var r = dump.reader(data, context: "LinuxAuxv stream")
        let pairSize = wordSize * 2
        let pairs = data.count / pairSize
        entries = []
        entries.reserveCapacity(pairs)
        var ended = false
        for _ in 0..<pairs {
            let type = wordSize == 8 ? try r.u64() : UInt64(try r.u32())
            let value = wordSize == 8 ? try r.u64() : UInt64(try r.u32())
            if type == 0 { ended = true; break }
            entries.append(Entry(type: type, name: Self.name(of: type), value: value))
        }
        if ended, r.remaining > 0 {
            warnings.append("\(r.remaining) bytes after AT_NULL are ignored")
        } else if !ended {
            if data.count % pairSize != 0 {
                warnings.append("\(data.count % pairSize) bytes at the end are not a whole entry")
            }
            if !data.isEmpty { warnings.append("no AT_NULL entry ends the vector") }
        }
    }

    /// The value of the first entry of `type`.
    public func value(of type: UInt64) -> UInt64? { entries.first { $0.type == type }?.value }

    /// The `AT_*` name of an auxv type (linux/auxvec.h and the per-architecture additions).
    public static func name(of type: UInt64) -> String? {
        let names: [UInt64: String] = [
            0: "AT_NULL", 1: "AT_IGNORE", 2: "AT_EXECFD", 3: "AT_PHDR", 4: "AT_PHENT", 5: "AT_PHNUM",
            6: "AT_PAGESZ", 7: "AT_BASE", 8: "AT_FLAGS", 9: "AT_ENTRY", 10: "AT_NOTELF", 11: "AT_UID",
            12: "AT_EUID", 13: "AT_GID", 14: "AT_EGID", 15: "AT_PLATFORM", 16: "AT_HWCAP", 17: "AT_CLKTCK",
            18: "AT_FPUCW", 19: "AT_DCACHEBSIZE", 20: "AT_ICACHEBSIZE", 21: "AT_UCACHEBSIZE",
            22: "AT_IGNOREPPC", 23: "AT_SECURE", 24: "AT_BASE_PLATFORM", 25: "AT_RANDOM", 26: "AT_HWCAP2",
            27: "AT_RSEQ_FEATURE_SIZE", 28: "AT_RSEQ_ALIGN", 29: "AT_HWCAP3", 30: "AT_HWCAP4", 31: "AT_EXECFN",
            32: "AT_SYSINFO", 33: "AT_SYSINFO_EHDR", 34: "AT_L1I_CACHESHAPE", 35: "AT_L1D_CACHESHAPE",
            36: "AT_L2_CACHESHAPE", 37: "AT_L3_CACHESHAPE", 40: "AT_L1I_CACHESIZE", 41: "AT_L1I_CACHEGEOMETRY",
            42: "AT_L1D_CACHESIZE", 43: "AT_L1D_CACHEGEOMETRY", 44: "AT_L2_CACHESIZE", 45: "AT_L2_CACHEGEOMETRY",
            46: "AT_L3_CACHESIZE", 47: "AT_L3_CACHEGEOMETRY", 51: "AT_MINSIGSTKSZ",
        ]
        return names[type]
    }

    /// In the style of Breakpad's minidump_dump (Breakpad does not print this stream).
    public func dump(to out: inout DumpPrinter) {
        typealias P = DumpPrinter
        out.block("MDLinuxAuxv", [("word_size", "\(wordSize)"), ("entry_count", "\(entries.count)")]
                  + entries.map { ($0.name ?? "AT_\($0.type)", P.hex($0.value)) })
    }
}
