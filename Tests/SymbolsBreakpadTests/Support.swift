import CrashpipeCore
import SymbolsBreakpad
import TestSupport

/// Loads a fixture `.sym` file (memory-mapped, as the store does).
func loadSymbols(_ relative: String) throws -> BreakpadSymbols {
    BreakpadSymbols(parsing: try ByteStorage.map(path: Fixtures.path(relative)).view)
}

/// Parses `.sym` text given inline.
func parseSymbols(_ text: String) -> BreakpadSymbols {
    BreakpadSymbols(parsing: ByteView(Array(text.utf8)))
}

/// The frames at an address from outermost (the real function) to innermost inline, each with
/// the function name and the file and line it is at: the shape symbolic's function trees use.
func framesOutermostFirst(_ info: SymbolInfo) -> [(function: String, file: String?, line: UInt32?)] {
    [(info.function, info.file, info.line)] + info.inlines.reversed().map { ($0.function, $0.file, $0.line) }
}

/// The last path component, either separator.
func lastComponent(_ path: String) -> String {
    String(path.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last ?? Substring(path))
}

/// Register layouts for CFI tests (the Minidump plugin has the real ones; tests of this plugin
/// must not depend on it).
enum TestLayouts {
    static let x86 = RegisterLayout(cpu: .x86, names: ["eip", "esp", "ebp", "ebx", "esi", "edi", "eax", "ecx", "edx"],
                                    instructionPointer: "eip", stackPointer: "esp", framePointer: "ebp")
    static let amd64 = RegisterLayout(cpu: .amd64,
                                      names: ["rip", "rsp", "rbp", "rbx", "r12", "r13", "r14", "r15", "rax", "rcx",
                                              "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11"],
                                      instructionPointer: "rip", stackPointer: "rsp", framePointer: "rbp")
}

/// A register context with the given values.
func context(_ layout: RegisterLayout, _ values: [String: UInt64]) -> RegisterContext {
    var context = RegisterContext(layout: layout)
    for (name, value) in values { context[name] = value }
    return context
}
