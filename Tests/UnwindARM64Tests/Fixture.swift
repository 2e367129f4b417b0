import CrashpipeCore
import TestSupport
import UnwindARM64

/// The setting of Breakpad's stackwalker_arm64_unittest.cc: two 64 KiB modules at 0x40000000
/// and 0x50000000 and a stack at 0x80000000, walked with the arm64 unwinder.
enum ARM64 {
    static let layout = ContextARM64.layout
    static let m1: UInt64 = 0x4000_0000
    static let m2: UInt64 = 0x5000_0000
    static let modules = [
        Module(base: m1, size: 0x10000, codeFile: "module1"),
        Module(base: m2, size: 0x10000, codeFile: "module2"),
    ]

    static func fixture() -> StackFixture { StackFixture(stackBase: 0x8000_0000, modules: modules) }

    /// `address` with a pointer-authentication code in its unused high bits, as `paciasp`
    /// leaves a return address (the modules end below 2^31, so bits 31 and up are not address).
    static func signed(_ address: UInt64, code: UInt64 = 0x2a5c) -> UInt64 { address | code << 40 }
}

extension StackFixture {
    /// Walks with the arm64 unwinder from `registers` (stack labels by register name).
    func walkARM64(_ registers: [String: UInt64], labels: [String: SynthLabel] = [:], maxFrames: Int = 1024,
                   scan: Bool = true) -> [Frame] {
        walk(ARM64Unwinder(), layout: ARM64.layout, registers: registers, labels: labels, maxFrames: maxFrames, scan: scan)
    }

    /// Appends the absolute stack address of `label` (a saved frame pointer).
    @discardableResult
    func pointer(_ label: SynthLabel) -> ByteSection { section.u64(label, plus: Int64(bitPattern: stackBase)) }
}

extension Frame {
    /// A recovered register by name or alias (`fp`, `lr`).
    func register(_ name: String) -> UInt64? { context?[name] }

    /// The names of the registers this frame knows, in layout order.
    var knownRegisters: [String] { context?.known.map(\.name) ?? [] }
}
