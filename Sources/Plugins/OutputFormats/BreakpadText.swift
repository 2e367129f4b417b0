import CrashpipeCore

/// The human-readable output of Breakpad's `minidump_stackwalk`: system, crash, each thread's
/// frames with the registers the walk recovered and how each frame was found, and the loaded
/// modules with warnings for missing or corrupt symbols.
public enum BreakpadText {
    public static func render(_ report: CrashReport) -> String {
        let view = BreakpadView(report)
        var out = ""
        func line(_ s: String = "") { out += s + "\n" }
        let system = report.system
        line("Operating system: \(view.osName)")
        line("                  \(view.osVersion)")
        line("CPU: \(system?.cpu.rawValue ?? "")")
        if let info = system?.cpuInfo, !info.isEmpty { line("     \(info)") }
        let count = system?.cpuCount ?? 0
        line("     \(count) CPU\(count != 1 ? "s" : "")")
        line()
        if let gpu = system?.gpu, gpu.isKnown {
            line("GPU: \(gpu.version)")
            line("     \(gpu.vendor)")
            line("     \(gpu.renderer)")
        } else {
            line("GPU: UNKNOWN")
        }
        line()
        if let crash = report.crash {
            line("Crash reason:  \(crash.name)")
            line("Crash address: \(formatHex(crash.address))")
            if !crash.parameters.isEmpty && (system?.os ?? .windows) == .windows {
                line("Crash parameters:")
                for value in crash.parameters {
                    line("    value: \(formatHex(value, width: 16))  description: ")
                }
            }
        } else {
            line("No crash")
        }
        if let assertion = report.assertion {
            line("Assertion: \(assertion.type): \(assertion.expression) in \(assertion.function) at \(assertion.file):\(assertion.line)")
        }
        if let stamp = report.timestamp, let created = report.process?.createTime, stamp != 0, created != 0, stamp >= created {
            line("Process uptime: \(stamp - created) seconds")
        } else {
            line("Process uptime: not available")
        }
        if let requesting = view.requesting {
            line()
            line("Thread \(requesting) (\(report.crash != nil ? "crashed" : "requested dump, did not crash"))")
            out += stack(report.threads[view.threads[requesting]], view: view)
        }
        for (number, index) in view.threads.enumerated() where number != view.requesting {
            line()
            line("Thread \(number)")
            out += stack(report.threads[index], view: view)
        }
        line()
        line("Loaded modules:")
        for (index, module) in view.modulesByAddress {
            var text = "\(hex8(module.base)) - \(hex8(module.end &- 1))  \(module.name)  \(module.version ?? "???")"
            if let main = view.mainModuleBase, module.base == main { text += "  (main)" }
            if let warning = symbolWarning(index, module, report) { text += warning }
            line(text)
        }
        return out
    }

    /// Breakpad warns about modules a frame needed whose symbols were missing or corrupt.
    static func symbolWarning(_ index: Int, _ module: Module, _ report: CrashReport) -> String? {
        guard let symbols = report.symbols, symbols.wasTouched(index) else { return nil }
        let identity = "\(module.debugName ?? ""), \(module.debugId?.breakpad ?? "")"
        switch symbols.state(ofModule: index) {
        case .missing: return "  (WARNING: No symbols, \(identity))"
        case .unreadable: return "  (WARNING: Corrupt symbols, \(identity))"
        case .loaded(_, let problems) where problems > 0: return "  (WARNING: Corrupt symbols, \(identity))"
        default: return nil
        }
    }

    static func stack(_ thread: Thread, view: BreakpadView) -> String {
        guard !thread.frames.isEmpty else { return " <no frames>\n" }
        var out = ""
        for (number, row) in view.rows(thread).enumerated() {
            let frame = row.frame
            out += (number < 10 ? " " : "") + "\(number)  "
            if let inline = row.inline {
                // Inlined functions have no registers of their own and no code offset.
                out += (view.module(of: frame)?.name ?? "") + "!" + inline.function
                if let file = inline.file, let line = inline.line { out += " [\(baseName(file)) : \(line)]" }
                out += "\n    Found by: inlining\n"
                continue
            }
            out += describe(frame, view: view) + "\n "
            out += registers(frame, cpu: view.system?.cpu ?? frame.context?.cpu ?? .unknown)
            out += "\n    Found by: \(frame.trust.description)\n"
        }
        return out
    }

    static func describe(_ frame: Frame, view: BreakpadView) -> String {
        guard let module = view.module(of: frame) else { return formatHex(view.printedAddress(of: frame)) }
        var text = module.name
        let offset = formatHex(view.offset(of: frame))
        if let function = frame.function {
            text += "!" + function
            if let file = frame.file, let line = frame.line, frame.sourceLineAddress != nil {
                text += " [\(baseName(file)) : \(line) + \(offset)]"
            } else {
                text += " + " + offset
            }
        } else {
            text += " + " + offset
        }
        return text
    }

    /// Registers in Breakpad's order per CPU, four (32-bit) or two (64-bit) to a line.
    static func registers(_ frame: Frame, cpu: CPU) -> String {
        guard let context = frame.context else { return "" }
        var names: [(String, String)] = []   // (printed name, register name)
        switch cpu {
        case .x86:
            names = [("eip", "eip"), ("esp", "esp"), ("ebp", "ebp"), ("ebx", "ebx"), ("esi", "esi"), ("edi", "edi")]
            let all = ["eip", "esp", "ebp", "ebx", "esi", "edi", "eax", "ecx", "edx", "eflags"].allSatisfy { context[$0] != nil }
            if all { names += [("eax", "eax"), ("ecx", "ecx"), ("edx", "edx"), ("efl", "eflags")] }
        case .amd64:
            names = ["rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13",
                     "r14", "r15", "rip"].map { ($0, $0) }
        case .arm:
            names = (0...10).map { ("r\($0)", "r\($0)") } + [("r12", "r12"), ("fp", "r11"), ("sp", "r13"), ("lr", "r14"), ("pc", "r15")]
        case .arm64:
            names = (0...28).map { ("x\($0)", "x\($0)") } + [("fp", "x29"), ("lr", "x30"), ("sp", "sp"), ("pc", "pc")]
        default:
            names = context.known.map { ($0.name, $0.name) }
        }
        let width = cpu.pointerSize * 2
        var out = ""
        var column = 0
        for (printed, name) in names {
            guard let value = context[name] else { continue }
            let cell = " " + String(repeating: " ", count: max(0, 5 - printed.count)) + printed + " = " + formatHex(value, width: width)
            if column + cell.count > 80 {
                out += "\n "
                column = 0
            }
            out += cell
            column += cell.count
        }
        return out
    }
}
