/// Renders a ``CrashReport`` as text for people: system, crash, threads (frames when a
/// stack walk ran, registers otherwise), modules with their identifiers, annotations, Linux
/// details and notes. The layout follows rust-minidump's `--human` output where the two overlap.
public enum ReportText {
    public static func render(_ report: CrashReport) -> String {
        var out: [String] = []
        if let source = report.source { out.append("Input: \(source) (\(report.format ?? "unknown format"))") }
        if let system = report.system {
            out.append("Operating system: \(system.os.displayName)")
            out.append("                  \(system.osVersion)\(system.osBuild.map { " " + $0 } ?? "")")
            out.append("CPU: \(system.cpu.rawValue)")
            if let info = system.cpuInfo { out.append("     \(info)") }
            out.append("     \(system.cpuCount) CPU\(system.cpuCount == 1 ? "" : "s")")
        } else {
            out.append("Operating system: unknown (no system info)")
        }
        if let lsb = report.linux?.lsbRelease, let description = lsb["DISTRIB_DESCRIPTION"] ?? lsb["PRETTY_NAME"] {
            out.append("Linux distribution: \(description)")
        }
        out.append("")
        let width = (report.system?.cpu.pointerSize ?? 8) * 2
        if let crash = report.crash {
            out.append("Crash reason:  \(crash.name)")
            out.append("Crash address: \(formatHex(crash.address, width: width))")
            if let index = report.requestingThread {
                out.append("Crashing thread: \(index) (tid \(report.threads[index].id))")
            } else {
                out.append("Crashing thread: \(crash.threadId) (not in the thread list)")
            }
        } else {
            out.append("No crash (the dump was requested without an exception)")
            if let index = report.requestingThread { out.append("Requesting thread: \(index)") }
        }
        if let assertion = report.assertion {
            out.append("Assertion: \(assertion.type): \(assertion.expression) in \(assertion.function) at \(assertion.file):\(assertion.line)")
        }
        if let process = report.process {
            var parts: [String] = []
            if let pid = process.processId { parts.append("pid \(pid)") }
            if let created = process.createTime, let stamp = report.timestamp, stamp >= created {
                parts.append("uptime \(stamp - created) seconds")
            }
            if !parts.isEmpty { out.append("Process: " + parts.joined(separator: ", ")) }
        }
        out.append("")

        for (index, thread) in report.threads.enumerated() {
            var title = "Thread \(index)"
            if index == report.requestingThread { title += " (crashed)" }
            if thread.id == report.dumpThreadId { title += " (wrote the dump)" }
            title += " - tid: \(thread.id)"
            if let name = thread.name, !name.isEmpty { title += " - \(name)" }
            out.append(title)
            if thread.frames.isEmpty {
                if let context = thread.context { out += registerLines(context, indent: "    ") }
                if let stack = thread.stack {
                    out.append("    stack: \(formatHex(stack.base, width: width)) (\(stack.size) bytes)")
                } else {
                    out.append("    stack: not captured")
                }
            } else {
                for (number, frame) in thread.frames.enumerated() {
                    out.append(frameLine(number, frame, report: report))
                    if number == 0, let context = frame.context { out += registerLines(context, indent: "     ") }
                    out.append("    Found by: \(frame.trust.description)")
                }
            }
            out.append("")
        }

        out.append("Loaded modules:")
        for module in report.modules.sorted(by: { $0.base < $1.base }) {
            var line = "\(formatHex(module.base, width: width)) - \(formatHex(module.end &- 1, width: width))  \(module.name)"
            line += "  \(module.version ?? "???")"
            line += "  debug: \(module.debugName ?? "-") \(module.debugId?.breakpad ?? "-")"
            line += "  code: \(module.codeId?.value ?? "-")"
            if let status = module.symbolStatus {
                line += "  symbols: \(status.rawValue)"
                if let features = module.symbolFeatures { line += " (\(features.names.joined(separator: ", ")))" }
            }
            out.append(line)
        }
        if !report.unloadedModules.isEmpty {
            out.append("")
            out.append("Unloaded modules:")
            for module in report.unloadedModules {
                out.append("\(formatHex(module.base, width: width)) - \(formatHex(module.end &- 1, width: width))  \(module.name)")
            }
        }
        if let annotations = report.annotations { out += annotationLines(annotations) }
        if let linux = report.linux { out += linuxLines(linux) }
        if !report.notes.isEmpty {
            out.append("")
            out.append("Notes:")
            for note in report.notes { out.append("  \(note)") }
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func frameLine(_ number: Int, _ frame: Frame, report: CrashReport) -> String {
        let prefix = (number < 10 ? " " : "") + "\(number)  "
        guard let index = frame.moduleIndex, report.modules.indices.contains(index) else {
            return prefix + formatHex(frame.instruction)
        }
        let module = report.modules[index]
        if let function = frame.function {
            var text = prefix + module.name + "!" + function
            if let file = frame.file, let line = frame.line { text += " [\(baseName(file)) : \(line)]" }
            if let offset = frame.functionOffset, offset > 0 { text += " + \(formatHex(offset))" }
            return text
        }
        return prefix + module.name + " + " + formatHex(frame.moduleOffset ?? frame.instruction &- module.base)
    }

    static func registerLines(_ context: RegisterContext, indent: String) -> [String] {
        let width = context.cpu.pointerSize * 2
        let cells = context.known.map { name, value in
            String(repeating: " ", count: max(0, 6 - name.count)) + name + " = " + formatHex(value, width: width)
        }
        var lines: [String] = []
        var i = 0
        while i < cells.count {
            lines.append(indent + cells[i..<min(i + 4, cells.count)].joined(separator: "  "))
            i += 4
        }
        return lines
    }

    static func annotationLines(_ annotations: Annotations) -> [String] {
        var out = ["", "Annotations:"]
        if let id = annotations.reportId { out.append("  report id: \(id)") }
        if let id = annotations.clientId { out.append("  client id: \(id)") }
        for (key, value) in annotations.simple.sorted(by: { $0.key < $1.key }) { out.append("  \(key) = \(value)") }
        for module in annotations.modules {
            out.append("  module \(module.moduleIndex)\(module.moduleName.map { " (\($0))" } ?? ""):")
            for item in module.listAnnotations { out.append("    \(item)") }
            for (key, value) in module.simpleAnnotations.sorted(by: { $0.key < $1.key }) { out.append("    \(key) = \(value)") }
            for object in module.annotationObjects { out.append("    \(object.name) (type \(object.type)) = \(object.value)") }
        }
        return out
    }

    static func linuxLines(_ linux: LinuxDetails) -> [String] {
        var out = ["", "Linux:"]
        if let lsb = linux.lsbRelease {
            out.append("  lsb-release:")
            for (key, value) in lsb.sorted(by: { $0.key < $1.key }) { out.append("    \(key)=\(value)") }
        }
        if let cmd = linux.commandLine { out.append("  command line: \(cmd.joined(separator: " "))") }
        if let status = linux.procStatus {
            out.append("  /proc/self/status:")
            for (key, value) in status.sorted(by: { $0.key < $1.key }) { out.append("    \(key): \(value)") }
        }
        if let cpu = linux.cpuInfo {
            out.append("  /proc/cpuinfo (first processor):")
            for (key, value) in cpu.sorted(by: { $0.key < $1.key }) { out.append("    \(key): \(value)") }
        }
        if let environment = linux.environment {
            out.append("  environment: \(environment.count) variables (\(environment.keys.sorted().joined(separator: ", ")))")
        }
        if let auxv = linux.auxv { out.append("  auxv: \(auxv.count) entries") }
        if let maps = linux.maps { out.append("  memory mappings: \(maps.count)") }
        if let dso = linux.dsoDebug { out.append("  DSO debug entries: \(dso.count)") }
        return out
    }
}
