import CrashpipeCore

/// Fills a ``CrashReport`` from a minidump's streams.
///
/// Reads: every stream in ``MinidumpContents``. Fills: format, timestamp, system, crash,
/// requesting and dump thread, threads with contexts and stacks, modules, unloaded modules,
/// memory, process details, assertion, annotations, Linux details, the stream list, and a note
/// for each stream or directory problem.
public enum MinidumpReport {
    public static func fill(_ report: inout CrashReport, from contents: MinidumpContents, stage: String = "minidump") {
        let file = contents.file
        report.format = "minidump"
        report.timestamp = file.header.timeDateStamp
        for problem in file.notes { report.note(stage, kind: "directory", problem) }

        let known = Set(MinidumpContents.streamTypes.map { $0.streamType })
        report.streams = file.directory.map { entry in
            StreamEntry(type: entry.type.rawValue, name: entry.type.name, offset: UInt64(entry.rva),
                        size: UInt64(entry.dataSize),
                        parsed: known.contains(entry.type) && contents.errors[entry.type] == nil)
        }
        for (type, error) in contents.errors.sorted(by: { $0.key < $1.key }) {
            report.note(stage, .error, kind: error.kind.rawValue, "\(type.name) stream unreadable: \(error)")
        }

        let systemStream = contents.stream(SystemInfoStream.self)
        if let systemStream { report.system = linuxAdjusted(systemStream.systemInfo) }
        let os = systemStream?.os
        let cpu = systemStream?.cpu ?? file.cpu

        // Modules.
        if let list = contents.stream(ModuleList.self) {
            report.modules = list.modules.map { $0.module(os: os) }
            for warning in list.warnings { report.note(stage, kind: "module_list", warning) }
            for (i, module) in list.modules.enumerated() {
                for problem in module.problems { report.note(stage, kind: "module", "module \(i): \(problem)") }
            }
        }

        // Memory: the memory list, full-dump memory, and thread stacks.
        var regions: [MemoryRegion] = []
        if let list = contents.stream(MemoryList.self) { regions += list.memoryRegions }
        if let list = contents.stream(Memory64List.self) { regions += list.memoryRegions }

        // Threads.
        if let list = contents.stream(ThreadList.self) {
            for warning in list.warnings { report.note(stage, kind: "thread_list", warning) }
            for entry in list.threads {
                let stack = entry.stack.map { MemoryRegion(base: entry.stackStart, bytes: $0) }
                var thread = Thread(id: entry.threadId, context: entry.context?.registers, stack: stack)
                thread.suspendCount = entry.suspendCount
                thread.priority = entry.priority
                thread.threadEnvironmentBlock = entry.teb
                report.threads.append(thread)
                for problem in entry.problems {
                    report.note(stage, kind: "thread", "thread \(entry.threadId): \(problem)")
                }
                if let stack, !regions.contains(where: { $0.base == stack.base }) { regions.append(stack) }
            }
        }
        report.memory = MemoryMap(regions)

        // Crash.
        let breakpad = contents.stream(BreakpadInfo.self)
        report.dumpThreadId = breakpad?.dumpThread
        if let exception = contents.stream(ExceptionStream.self) {
            let described = systemStream.map {
                CrashReasons.describe(os: $0.os, rawCPU: UInt32($0.processorArchitecture), code: exception.code,
                                      flags: exception.flags, exceptionAddress: exception.address,
                                      parameters: exception.parameters)
            } ?? CrashReasons.describe(os: .unknown, cpu: cpu ?? .unknown, code: exception.code, flags: exception.flags,
                                       exceptionAddress: exception.address, parameters: exception.parameters)
            report.crash = CrashReason(name: described.name, code: exception.code, flags: exception.flags,
                                       address: described.address, instructionAddress: exception.address,
                                       parameters: exception.parameters, threadId: exception.threadId)
            report.requestingThread = report.threads.firstIndex { $0.id == exception.threadId }
            // The exception's context is the crashing thread's state at the fault; the thread
            // list holds the state inside the crash handler.
            if let index = report.requestingThread, let context = exception.context {
                report.threads[index].context = context.registers
            }
            for problem in exception.problems { report.note(stage, kind: "exception", problem) }
        } else if let requesting = breakpad?.requestingThread {
            report.requestingThread = report.threads.firstIndex { $0.id == requesting }
        }

        if let misc = contents.stream(MiscInfo.self) { report.process = misc.details }
        fillExtensions(&report, from: contents, stage: stage)
    }

    /// Breakpad and Crashpad on Linux store `uname` in the CSD string ("Linux 4.9.60-linuxkit
    /// #1 SMP ... x86_64") with a zero version; split it into version and build as
    /// rust-minidump does.
    static func linuxAdjusted(_ info: SystemInfo) -> SystemInfo {
        guard info.os == .linux || info.os == .android, info.osVersion == "0.0.0",
              let build = info.osBuild, build.hasPrefix("Linux ") else { return info }
        var parts = build.split(separator: " ").map(String.init)
        parts.removeFirst()
        guard !parts.isEmpty else { return info }
        var adjusted = info
        adjusted.breakpadOSVersion = info.osVersion + " " + build
        adjusted.osVersion = parts.removeFirst()
        let machines: Set<String> = ["x86_64", "i386", "i486", "i586", "i686", "aarch64", "arm64", "armv7l",
                                     "armv8l", "armv6l", "mips", "mips64", "ppc64le", "riscv64", "s390x"]
        if let last = parts.last, machines.contains(last) { parts.removeLast() }
        adjusted.osBuild = parts.isEmpty ? nil : parts.joined(separator: " ")
        return adjusted
    }
}
