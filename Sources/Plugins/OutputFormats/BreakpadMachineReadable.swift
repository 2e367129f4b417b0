import CrashpipeCore

/// Breakpad's pipe-delimited machine-readable output (`minidump_stackwalk -m`):
///
///     OS|{name}|{version}
///     CPU|{cpu}|{cpu info}|{count}
///     GPU|{GL version}|{GL vendor}|{GL renderer}
///     Crash|{reason}|{address}|{requesting thread}
///     Module|{file}|{version}|{debug file}|{debug id}|{base}|{end}|{main}
///     (blank line)
///     {thread}|{frame}|{module}|{function}|{source file}|{line}|{offset}
public enum BreakpadMachineReadable {
    public static func render(_ report: CrashReport) -> String {
        let view = BreakpadView(report)
        let strip = BreakpadView.strip
        var out = ""
        let system = report.system
        out += "OS|\(strip(view.osName))|\(strip(view.osVersion))\n"
        out += "CPU|\(strip(system?.cpu.rawValue ?? ""))|\(strip(system?.cpuInfo ?? ""))|\(system?.cpuCount ?? 0)\n"
        let gpu = system?.gpu
        out += "GPU|\(strip(gpu?.version ?? ""))|\(strip(gpu?.vendor ?? ""))|\(strip(gpu?.renderer ?? ""))\n"
        out += "Crash|"
        if let crash = report.crash {
            out += "\(strip(crash.name))|\(formatHex(crash.address))|"
        } else if let assertion = report.assertion {
            out += "\(strip(assertion.expression))||"
        } else {
            out += "No crash||"
        }
        out += (view.requesting.map(String.init) ?? "") + "\n"
        let main = view.mainModuleBase
        for (_, module) in view.modulesByAddress {
            out += "Module|\(strip(module.name))|\(strip(module.version ?? ""))|\(strip(module.debugName ?? ""))|"
            out += "\(strip(module.debugId?.breakpad ?? ""))|\(hex8(module.base))|\(hex8(module.end &- 1))|"
            out += (main == module.base ? "1" : "0") + "\n"
        }
        out += "\n"
        var order: [Int] = []
        if let requesting = view.requesting { order.append(requesting) }
        order += view.threads.indices.filter { $0 != view.requesting }
        for number in order {
            for (frameNumber, row) in view.rows(report.threads[view.threads[number]]).enumerated() {
                var frame = row.frame
                if let inline = row.inline {
                    // An inlined function: its own name and position, the frame's offset.
                    frame.function = inline.function
                    frame.file = inline.file
                    frame.line = inline.line
                }
                out += "\(number)|\(frameNumber)|"
                let offset = formatHex(view.offset(of: frame))
                if let module = view.module(of: frame) {
                    out += strip(module.name)
                    if let function = frame.function {
                        out += "|" + strip(function)
                        if let file = frame.file, frame.sourceLineAddress != nil {
                            out += "|\(strip(file))|\(frame.line ?? 0)|\(offset)"
                        } else {
                            out += "|||\(offset)"
                        }
                    } else {
                        out += "||||\(offset)"
                    }
                } else {
                    out += "||||\(offset)"
                }
                out += "\n"
            }
        }
        return out
    }
}
