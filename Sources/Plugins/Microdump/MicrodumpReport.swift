import CrashpipeCore

/// Fills a ``CrashReport`` from a microdump the way Breakpad's `MicrodumpProcessor` builds its
/// process state: one thread (the crashed one, id 0, requesting), its stack as the only
/// memory, the modules of the `M` lines, and system info from the `O` and `G` lines. The crash
/// reason and address come from the `R` line, and are empty and 0 without one; there is no
/// timestamp (so no process uptime) and no main module.
public enum MicrodumpReport {
    public static func fill(_ report: inout CrashReport, from dump: Microdump, stage: String = "microdump") {
        report.format = "microdump"
        var system = SystemInfo(os: dump.os, osVersion: dump.osVersion, cpu: dump.cpu, cpuCount: dump.cpuCount)
        system.gpu = dump.gpu
        report.system = system

        report.modules = dump.modules

        report.threads = [Thread(id: 0, context: dump.context.registers, stack: dump.stack)]
        report.requestingThread = 0
        report.memory = MemoryMap(dump.stack.map { [$0] } ?? [])

        let crash = dump.crash
        report.crash = CrashReason(name: crash?.reason ?? "", code: crash?.signal ?? 0, flags: 0,
                                   address: crash?.address ?? 0, threadId: 0)

        var simple: [String: String] = [:]
        if let product = dump.product { simple["product"] = product }
        if let processType = dump.processType { simple["process_type"] = processType }
        if !dump.hardwareArchitecture.isEmpty { simple["hardware_architecture"] = dump.hardwareArchitecture }
        if !simple.isEmpty { report.annotations = Annotations(simple: simple) }

        for note in dump.notes { report.note(stage, kind: "microdump", note) }
    }
}
