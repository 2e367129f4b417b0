import CrashpipeCore

/// The JSON schema of rust-minidump's `minidump-stackwalk --json`: crash info, the crashing
/// thread (frames with registers), every thread's frames, modules with symbol status, system
/// info. Addresses are hex strings padded to the pointer width; keys are sorted.
///
/// Fields that come from rust-minidump's own analysis (disassembly of the crashing
/// instruction, memory accesses, possible bit flips, certificate subjects, soft errors,
/// /proc limits) are null: crashpipe does not compute them.
public enum MinidumpStackwalkJSON {
    public static func render(_ report: CrashReport, pretty: Bool) throws -> String {
        document(report).serialized(pretty: pretty) + "\n"
    }

    public static func document(_ report: CrashReport) -> JSONValue {
        let width = (report.system?.cpu.pointerSize ?? 8) * 2
        func hex(_ value: UInt64?) -> JSONValue { value.map { .string(formatHex($0, width: width)) } ?? .null }
        let crashing = report.requestingThread
        var uptime: JSONValue = .null
        if let stamp = report.timestamp, let created = report.process?.createTime, stamp >= created {
            uptime = .int(stamp - created)
        }
        let crashInfo: JSONValue = .object([
            ("address", hex(report.crash?.address)),
            ("adjusted_address", .null),
            ("assertion", .string(report.assertion.map { "\($0.expression) in \($0.function) at \($0.file):\($0.line)" })),
            ("crash_inconsistencies", .array([])),
            ("crashing_thread", .int(crashing)),
            ("instruction", .null),
            ("instruction_pointer_update", .null),
            ("memory_accesses", .null),
            ("possible_bit_flips", .null),
            ("type", .string(report.crash.map { rustReason($0.name) })),
        ])
        let threads: [JSONValue] = report.threads.enumerated().map { index, thread in
            self.thread(thread, index: index, registers: false, report: report, hex: hex)
        }
        let crashingThread: JSONValue = crashing.map {
            self.thread(report.threads[$0], index: $0, registers: true, report: report, hex: hex)
        } ?? .null
        return .object([
            ("crash_info", crashInfo),
            ("crashing_thread", crashingThread),
            ("handles", .null),
            ("linux_memory_map_count", .int(report.linux?.maps?.count)),
            ("lsb_release", lsbRelease(report.linux?.lsbRelease)),
            ("mac_boot_args", .null),
            ("mac_crash_info", .null),
            ("main_module", report.modules.isEmpty ? .null : .int(0)),
            ("modules", .array(report.modules.enumerated().map { module($0.element, index: $0.offset, report: report, hex: hex) })),
            ("modules_contains_cert_info", .bool(false)),
            ("pid", .int(report.process?.processId)),
            ("proc_limits", .null),
            ("process_uptime", uptime),
            ("soft_errors", .null),
            ("status", .string("OK")),
            ("system_info", systemInfo(report.system)),
            ("thread_count", .int(report.threads.count)),
            ("threads", .array(threads)),
            ("unloaded_modules", .array(report.unloadedModules.map { unloaded($0, hex: hex) })),
        ])
    }

    /// rust-minidump names Linux signals "SIGSEGV / SEGV_MAPERR", and a bare "SIGSEGV" when
    /// the code has no name; Breakpad writes "SIGSEGV /SEGV_MAPERR" and "SIGSEGV /0x00000000".
    public static func rustReason(_ name: String) -> String {
        guard name.hasPrefix("SIG"), let range = name.range(of: " /"), !name[range.upperBound...].hasPrefix(" ") else {
            return name
        }
        let signal = String(name[..<range.lowerBound])
        let code = name[range.upperBound...]
        return code.hasPrefix("0x") ? signal : signal + " / " + code
    }

    static func thread(_ thread: Thread, index: Int, registers: Bool, report: CrashReport,
                       hex: (UInt64?) -> JSONValue) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("frame_count", .int(thread.frames.count)),
            ("frames", .array(thread.frames.enumerated().map {
                frame($0.element, number: $0.offset, registers: registers, report: report, hex: hex)
            })),
            ("last_error_value", .null),
            ("thread_id", .int(thread.id)),
            ("thread_name", .string(thread.name)),
        ]
        if registers { pairs.append(("threads_index", .int(index))) }
        return .object(pairs)
    }

    static func frame(_ frame: Frame, number: Int, registers: Bool, report: CrashReport,
                      hex: (UInt64?) -> JSONValue) -> JSONValue {
        let address = frame.lookupAddress
        let module = frame.moduleIndex.map { report.modules[$0] }
        var pairs: [(String, JSONValue)] = [
            ("file", .string(frame.file)),
            ("frame", .int(number)),
            ("function", .string(frame.function)),
            ("function_offset", hex(frame.functionAddress.map { address &- $0 })),
            ("inlines", frame.inlines.isEmpty ? .null : .array(frame.inlines.map { inline in
                .object([("file", .string(inline.file)), ("function", .string(inline.function)), ("line", .int(inline.line))])
            })),
            ("line", .int(frame.line)),
            ("missing_symbols", .bool(frame.function == nil)),
            ("module", .string(module?.name)),
            ("module_offset", hex(module.map { address &- $0.base })),
            ("offset", hex(address)),
        ]
        // rust-minidump lists registers for the crashing thread's frame 0 only, and leaves
        // rflags out on amd64 (its x86 output keeps eflags).
        if registers, number == 0, let context = frame.context {
            let width = context.cpu.pointerSize * 2
            let known = context.known.filter { context.cpu != .amd64 || $0.name != "eflags" }.sorted { $0.name < $1.name }
            pairs.append(("registers", .object(known.map { ($0.name, .string(formatHex($0.value, width: width))) })))
        }
        pairs.append(("symbol_trust", .string(frame.symbolTrust?.rawValue)))
        pairs.append(("trust", .string(frame.trust.rawValue)))
        var unloaded: JSONValue = .null
        if module == nil {
            let names = report.unloadedModules.filter { $0.contains(address) }.map { JSONValue.string($0.name) }
            if !names.isEmpty { unloaded = .array(names) }
        }
        pairs.append(("unloaded_modules", unloaded))
        return .object(pairs)
    }

    static func module(_ module: Module, index: Int, report: CrashReport, hex: (UInt64?) -> JSONValue) -> JSONValue {
        var loaded = false, missing = false, corrupt = false
        if let symbols = report.symbols {
            switch symbols.state(ofModule: index) {
            case .loaded(_, let problems):
                loaded = true
                corrupt = problems > 0
            case .missing:
                missing = symbols.wasTouched(index)
            case .unreadable:
                corrupt = true
            default:
                break
            }
        }
        return .object([
            ("base_addr", hex(module.base)),
            ("cert_subject", .null),
            ("code_id", .string(module.codeId?.value)),
            ("corrupt_symbols", .bool(corrupt)),
            ("debug_file", .string(module.debugName)),
            ("debug_id", .string(module.debugId?.breakpad)),
            ("end_addr", hex(module.end)),
            ("filename", .string(module.name)),
            ("loaded_symbols", .bool(loaded)),
            ("missing_symbols", .bool(missing)),
            ("symbol_features", module.symbolFeatures.map { .array($0.names.map { JSONValue.string($0) }) } ?? .null),
            ("symbol_url", .null),
            ("version", .string(module.version)),
        ])
    }

    static func unloaded(_ module: Module, hex: (UInt64?) -> JSONValue) -> JSONValue {
        .object([
            ("base_addr", hex(module.base)),
            ("code_id", .string(module.codeId?.value)),
            ("end_addr", hex(module.end)),
            ("filename", .string(module.name)),
        ])
    }

    static func systemInfo(_ system: SystemInfo?) -> JSONValue {
        guard let system else { return .null }
        let version = system.osVersion + (system.osBuild.map { $0.isEmpty ? "" : " " + $0 } ?? "")
        return .object([
            ("cpu_arch", .string(system.cpu.rawValue)),
            ("cpu_count", .int(system.cpuCount)),
            ("cpu_info", .string(system.cpuInfo)),
            ("cpu_microcode_version", .string(system.cpuMicrocodeVersion.map { formatHex($0) })),
            ("os", .string(system.os.displayName)),
            ("os_ver", .string(version)),
        ])
    }

    /// lsb-release or os-release fields under rust-minidump's names.
    static func lsbRelease(_ fields: [String: String]?) -> JSONValue {
        guard let fields else { return .null }
        func pick(_ keys: String...) -> JSONValue { .string(keys.lazy.compactMap { fields[$0] }.first) }
        return .object([
            ("codename", pick("DISTRIB_CODENAME", "VERSION_CODENAME")),
            ("description", pick("DISTRIB_DESCRIPTION", "PRETTY_NAME")),
            ("id", pick("DISTRIB_ID", "ID")),
            ("release", pick("DISTRIB_RELEASE", "VERSION_ID")),
        ])
    }
}
