import CrashpipeCore
import Logging
import Signature

/// Builds reports with hand-written stacks.
enum Stacks {
    static let modules = [
        Module(base: 0x5555_0000_0000, size: 0x10_0000, codeFile: "/opt/myapp/bin/myapp"),
        Module(base: 0x7f00_0000_0000, size: 0x20_0000, codeFile: "/usr/lib/x86_64-linux-gnu/libc.so.6"),
    ]

    /// A frame with a function (nil: no symbols), in module `module` at `offset`.
    static func frame(_ function: String?, module: Int? = 0, offset: UInt64 = 0x1234, inlines: [String] = []) -> Frame {
        let base = module.map { modules[$0].base } ?? 0
        var frame = Frame(instruction: base + offset, trust: .cfi)
        frame.function = function
        frame.moduleIndex = module
        frame.moduleOffset = module == nil ? nil : offset - 1
        frame.inlines = inlines.map { InlineFrame(function: $0) }
        return frame
    }

    /// A report whose crashing thread (the second of two) has `frames`.
    static func report(_ frames: [Frame], crashing: Int? = 1) -> CrashReport {
        var report = CrashReport(source: "test")
        var idle = Thread(id: 1)
        idle.frames = [frame("idle_loop")]
        var crashed = Thread(id: 2)
        crashed.frames = frames
        report.threads = [idle, crashed]
        report.modules = modules
        report.requestingThread = crashing
        return report
    }

    static func report(functions: [String]) -> CrashReport {
        report(functions.map { frame($0) })
    }

    static let context = StageContext(input: PipelineInput(name: "test", bytes: ByteView([])),
                                      logger: Logger(label: "test"), stage: "signature")

    /// Runs the default `signature` stage (or one with `configuration`) over `report`.
    static func sign(_ report: CrashReport, _ configuration: SignatureStage.Configuration? = nil) async throws -> CrashReport {
        let stage = SignatureStage(configuration: try configuration ?? SignatureStage.Configuration(),
                                   services: Services(registry: PluginRegistry()))
        var report = report
        try await stage.run(&report, context: context)
        return report
    }
}
