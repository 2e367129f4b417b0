import CrashpipeCore

// What symbolic-debuginfo's `MachObject` reports (macho/mod.rs: `code_id`, `debug_id`, `arch`,
// `kind`, `load_address`, `has_symbols`, `has_debug_info`, `has_unwind_info`).

extension MachOFile {
    func debugObject() -> DebugObject {
        var features: DebugFeatures = []
        if hasSymbolTable { features.insert(.symtab) }
        if hasSection("debug_info") { features.insert(.debug) }
        if hasSection("eh_frame") || hasSection("debug_frame") || hasSection("unwind_info") { features.insert(.unwind) }
        return DebugObject(format: "macho", kind: kind,
                           arch: MachO.archName(cputype: cputype, cpusubtype: cpusubtype),
                           debugId: uuid.flatMap { DebugId(machoUUID: $0) },
                           codeId: uuid.flatMap { CodeId(machoUUID: $0) },
                           loadAddress: loadAddress, features: features)
    }

    var kind: String {
        switch filetype {
        case 0x1: return "relocatable"                    // MH_OBJECT
        case 0x2, 0x5, 0x7: return "executable"           // MH_EXECUTE, MH_PRELOAD, MH_DYLINKER
        case 0x3, 0x6, 0x8, 0xb: return "library"         // MH_FVMLIB, MH_DYLIB, MH_BUNDLE, MH_KEXT_BUNDLE
        case 0x4: return "dump"                           // MH_CORE
        case 0xa: return "debug"                          // MH_DSYM
        default: return "other"
        }
    }

    /// The first `__TEXT` segment's vmaddr.
    var loadAddress: UInt64 {
        segments.first { $0.name == "__TEXT" }?.vmaddr ?? 0
    }

    /// symbolic's `raw_section(name).is_some()`: the first section, in any segment, named
    /// `__<name>` decides; a file offset of 0 means its contents were stripped.
    func hasSection(_ name: String) -> Bool {
        for segment in segments {
            for section in segment.sections {
                guard let full = section.name, full.hasPrefix("__"), full.dropFirst(2) == name else { continue }
                return section.offset != 0
            }
        }
        return false
    }
}
