import CrashpipeCore

/// A report seen the way Breakpad's processor presents it: the thread that wrote the dump is
/// left out (so thread numbers shift past it), the requesting thread is numbered within the
/// remaining ones, and frame offsets are measured from the return address.
struct BreakpadView {
    let report: CrashReport
    /// Indices into `report.threads`, without the dump-writing thread.
    let threads: [Int]
    /// Position of the requesting thread in `threads`.
    let requesting: Int?

    init(_ report: CrashReport) {
        self.report = report
        let kept = report.threads.indices.filter { report.threads[$0].id != report.dumpThreadId }
        threads = kept
        requesting = report.requestingThread.flatMap { kept.firstIndex(of: $0) }
    }

    var system: SystemInfo? { report.system }
    var pointerSize: Int { system?.cpu.pointerSize ?? 8 }

    var osName: String { system?.os.displayName ?? "" }

    var osVersion: String {
        guard let system else { return "" }
        if let raw = system.breakpadOSVersion { return raw }
        return system.osVersion + (system.osBuild.map { $0.isEmpty ? "" : " " + $0 } ?? "")
    }

    /// The main module is the first one in the dump's list (Breakpad's GetMainModule). A
    /// microdump has none: Breakpad's microdump reader never sets one, so no module is "(main)".
    var mainModuleBase: UInt64? { report.format == "microdump" ? nil : report.modules.first?.base }

    /// Modules with their report index in address order, the order Breakpad lists them.
    var modulesByAddress: [(index: Int, module: Module)] {
        report.modules.enumerated().map { ($0.offset, $0.element) }.sorted { $0.module.base < $1.module.base }
    }

    /// The address Breakpad prints a frame by (its `StackFrame::ReturnAddress`): x86 and amd64
    /// frames override it to give the return address itself; every other CPU's frames give
    /// `instruction`, which for a caller frame is already moved back into the call (pc - 2 on
    /// ARM, pc - 4 on ARM64), so `libc.so + 0x11e9d` for an ARM return address 0x...e9f.
    func printedAddress(of frame: Frame) -> UInt64 {
        let cpu = frame.context?.layout.cpu ?? system?.cpu
        return cpu == .x86 || cpu == .amd64 ? frame.instruction : frame.lookupAddress
    }

    /// Where the offset printed after a frame is measured from, and the offset: the source
    /// line, else the function, else the module, else nothing (an absolute address).
    func offset(of frame: Frame) -> UInt64 {
        let address = printedAddress(of: frame)
        if frame.file != nil, let lineBase = frame.sourceLineAddress { return address &- lineBase }
        if frame.function != nil, let functionBase = frame.functionAddress { return address &- functionBase }
        if let index = frame.moduleIndex { return address &- report.modules[index].base }
        return address
    }

    /// One printed frame: a walked frame, or one of the functions inlined into it.
    struct Row {
        var frame: Frame
        /// Set for a function inlined at `frame`'s address; printed before the frame itself.
        var inline: InlineFrame?
    }

    /// A thread's frames with inlined functions expanded into rows of their own, innermost
    /// first and the real frame last, as rust-minidump and newer Breakpad print them.
    func rows(_ thread: Thread) -> [Row] {
        thread.frames.flatMap { frame in
            frame.inlines.map { Row(frame: frame, inline: $0) } + [Row(frame: frame, inline: nil)]
        }
    }

    /// The module holding a frame, if any.
    func module(of frame: Frame) -> Module? {
        frame.moduleIndex.map { report.modules[$0] }
    }

    /// Breakpad strips the separator and newlines from fields of the machine-readable format.
    static func strip(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0 != "|" && $0 != "\n" })
    }
}

/// `0x` and at least eight lower-case hex digits, as Breakpad prints addresses ("0x%08x").
func hex8(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
