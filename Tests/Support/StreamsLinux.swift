// Breakpad Linux streams: raw text files, auxv and DSO debug.

/// An auxv entry (`a_type`, `a_val`), written as two words of the target's word size.
public struct SynthAuxvEntry: Sendable, Hashable {
    public var type: UInt64
    public var value: UInt64
    public init(_ type: UInt64, _ value: UInt64) {
        self.type = type
        self.value = value
    }
}

/// One `MDRawLinkMap32`/`MDRawLinkMap64` entry of the DSO debug stream: load address,
/// name (a UTF-16 `MINIDUMP_STRING`, as Breakpad's Linux writer emits) and `l_ld`.
public struct SynthLinkMap: Sendable, Hashable {
    public var address: UInt64
    public var name: String
    public var ld: UInt64
    public init(address: UInt64, name: String, ld: UInt64 = 0) {
        self.address = address
        self.name = name
        self.ld = ld
    }
}

/// The Breakpad DSO debug stream (`MDRawDebug32`/`MDRawDebug64`, `r_debug` contents):
/// version, RVA of the link map array, dso count, brk, ldbase, dynamic; followed by
/// the raw bytes of the `_DYNAMIC` section as Breakpad appends them.
///
/// With `naturalAlignment` (the default, matching the C structs Breakpad writes on LP64)
/// the 64-bit forms have 4 padding bytes before each u64 that follows a u32
/// (`MDRawDebug64` is 40 bytes, `MDRawLinkMap64` 24); without it they are packed
/// (36 and 20 bytes), as rust-minidump's scroll-derived structs read them.
public struct SynthDSODebug: Sendable, Hashable {
    public var version: UInt32
    /// 4 for `MDRawDebug32`/`MDRawLinkMap32`, 8 for the 64-bit forms.
    public var wordSize: Int
    public var linkMaps: [SynthLinkMap]
    public var brk: UInt64
    public var ldbase: UInt64
    public var dynamic: UInt64
    public var dynamicSection: [UInt8]
    public var naturalAlignment: Bool
    /// Corruption: replaces dso_count.
    public var dsoCountOverride: UInt32?

    public init(version: UInt32 = 1, wordSize: Int = 8, linkMaps: [SynthLinkMap] = [], brk: UInt64 = 0,
                ldbase: UInt64 = 0, dynamic: UInt64 = 0, dynamicSection: [UInt8] = [],
                naturalAlignment: Bool = true, dsoCountOverride: UInt32? = nil) {
        precondition(wordSize == 4 || wordSize == 8, "wordSize must be 4 or 8")
        self.version = version
        self.wordSize = wordSize
        self.linkMaps = linkMaps
        self.brk = brk
        self.ldbase = ldbase
        self.dynamic = dynamic
        self.dynamicSection = dynamicSection
        self.naturalAlignment = naturalAlignment
        self.dsoCountOverride = dsoCountOverride
    }
}

extension SyntheticMinidump {
    /// Adds a stream whose body is the UTF-8 bytes of `text` (no terminator added).
    @discardableResult
    public func addTextStream(type: UInt32, _ text: String) -> SynthStream {
        addRawStream(type: type, bytes: Array(text.utf8))
    }

    /// `/proc/cpuinfo` (MD_LINUX_CPU_INFO, 0x47670003).
    @discardableResult
    public func addLinuxCPUInfo(_ text: String) -> SynthStream { addTextStream(type: SynthStreamType.linuxCPUInfo, text) }

    /// `/proc/<pid>/status` (MD_LINUX_PROC_STATUS, 0x47670004).
    @discardableResult
    public func addLinuxProcStatus(_ text: String) -> SynthStream {
        addTextStream(type: SynthStreamType.linuxProcStatus, text)
    }

    /// `/etc/lsb-release` (MD_LINUX_LSB_RELEASE, 0x47670005).
    @discardableResult
    public func addLinuxLSBRelease(_ text: String) -> SynthStream {
        addTextStream(type: SynthStreamType.linuxLSBRelease, text)
    }

    /// `/proc/<pid>/cmdline` (MD_LINUX_CMD_LINE, 0x47670006): each argument followed by NUL.
    @discardableResult
    public func addLinuxCmdLine(_ arguments: [String]) -> SynthStream {
        addRawStream(type: SynthStreamType.linuxCmdLine, bytes: arguments.flatMap { Array($0.utf8) + [0] })
    }

    /// `/proc/<pid>/environ` (MD_LINUX_ENVIRON, 0x47670007): each `KEY=value` followed by NUL.
    @discardableResult
    public func addLinuxEnviron(_ entries: [String]) -> SynthStream {
        addRawStream(type: SynthStreamType.linuxEnviron, bytes: entries.flatMap { Array($0.utf8) + [0] })
    }

    /// `/proc/<pid>/maps` (MD_LINUX_MAPS, 0x47670009).
    @discardableResult
    public func addLinuxMaps(_ text: String) -> SynthStream { addTextStream(type: SynthStreamType.linuxMaps, text) }

    /// `/proc/<pid>/auxv` (MD_LINUX_AUXV, 0x47670008): (type, value) word pairs in the
    /// dump's byte order; `wordSize` 8 for 64-bit processes, 4 for 32-bit. No AT_NULL is
    /// added.
    @discardableResult
    public func addLinuxAuxv(_ entries: [SynthAuxvEntry], wordSize: Int = 8) -> SynthStream {
        precondition(wordSize == 4 || wordSize == 8, "wordSize must be 4 or 8")
        let body = section("auxv")
        for e in entries { body.int(e.type, width: wordSize).int(e.value, width: wordSize) }
        return addStream(type: SynthStreamType.linuxAuxv, body: body)
    }

    /// Adds the DSO debug stream (MD_LINUX_DSO_DEBUG, 0x4767000A). The link map array and
    /// the names are placed as referenced data.
    @discardableResult
    public func addLinuxDSODebug(_ debug: SynthDSODebug) -> SynthStream {
        addGeneratedStream(type: SynthStreamType.linuxDSODebug) { ctx, stream in
            let wide = debug.wordSize == 8
            let pad = wide && debug.naturalAlignment
            let maps = ctx.section("linkMaps")
            for m in debug.linkMaps {
                maps.int(m.address, width: debug.wordSize).u32(ctx.string(m.name))
                if pad { maps.zeros(4) }
                maps.int(m.ld, width: debug.wordSize)
            }
            let body = ctx.section("dsoDebug")
            body.u32(debug.version)
            if debug.linkMaps.isEmpty { body.u32(0) } else { body.u32(ctx.place(maps).rva) }
            body.u32(debug.dsoCountOverride ?? UInt32(debug.linkMaps.count))
            if pad { body.zeros(4) }
            body.int(debug.brk, width: debug.wordSize).int(debug.ldbase, width: debug.wordSize)
            body.int(debug.dynamic, width: debug.wordSize)
            body.append(debug.dynamicSection)
            return body.append(stream.trailingBytes)
        }
    }
}
