/// What symbol files tell the stack walker and the symbolicator, independent of their format.
///
/// A symbol-format plugin (Breakpad `.sym` text today; ELF/DWARF, Mach-O, a compact cache
/// later) turns a file's bytes into a ``ModuleSymbols``. Unwinders and symbolication see only
/// this protocol, so a new format or a faster cache never touches them.

/// The symbols of one module. Addresses are relative to the module's base (the form symbol
/// files use). Lookups must be O(log n).
public protocol ModuleSymbols: Sendable {
    /// The function (or public symbol) covering `address`, with its source line and inlined
    /// calls; nil when no record covers it.
    func lookup(_ address: UInt64) -> SymbolInfo?
    /// The call frame information rules in effect at `address` (STACK CFI INIT plus the
    /// deltas up to and including `address`); nil when none cover it.
    func callFrameInfo(at address: UInt64) -> CallFrameRules?
    /// Windows x86 frame data (STACK WIN) covering `address`; nil when none.
    func windowsFrameInfo(at address: UInt64) -> WindowsFrameInfo?
    /// Whether a FUNC record (not only a PUBLIC) covers `address`: a stack scan's candidate
    /// return address must point into a known function when the module has symbols.
    func hasFunction(at address: UInt64) -> Bool
    /// Problems met while reading the file (line numbers and why); the rest is still used.
    var problems: [String] { get }
    /// Whether the file names any functions (FUNC or PUBLIC records). A file with only
    /// unwind information says nothing about which addresses are code, so stack scanning
    /// must not reject candidates because of it.
    var hasFunctionNames: Bool { get }
    /// What the file holds: function names (`symtab`), source lines (`debug`), unwind rules
    /// (`unwind`). Reported per module next to its symbol status.
    var features: DebugFeatures { get }
    /// Roughly the memory the parsed symbols hold besides the file's bytes (tables, names, line
    /// records); caches weigh entries by it. 0 when not known.
    var parsedBytes: Int { get }
}

extension ModuleSymbols {
    public var hasFunctionNames: Bool { true }
    public var features: DebugFeatures { hasFunctionNames ? .symtab : [] }
    public var parsedBytes: Int { 0 }
}

/// How far a frame's function name can be trusted, from the symbol that gave it.
public enum SymbolTrust: String, Sendable, Codable, Hashable {
    /// A function with source lines (a `.sym` FUNC record with LINE records, DWARF, a PDB).
    case debugInfo = "debug_info"
    /// A function whose extent is known (a FUNC record without lines, a sized ELF symbol, a
    /// Mach-O symbol bounded by the next one): the address is inside it.
    case function
    /// Only the nearest public symbol below the address (a `.sym` PUBLIC record, which has no
    /// size): a guess, the address may lie past the function's end.
    case publicSymbol = "public_symbol"

    /// The trust of a frame symbolicated with `info`.
    public init(_ info: SymbolInfo) {
        self = info.isPublic ? .publicSymbol : info.line != nil ? .debugInfo : .function
    }
}

/// One symbol lookup's answer.
public struct SymbolInfo: Sendable, Hashable {
    /// The function's name as the symbol file writes it.
    public var function: String
    /// Start of the function (module-relative).
    public var functionAddress: UInt64
    /// The size of the parameters on the stack (x86 stdcall; used by STACK WIN unwinding).
    public var parameterSize: UInt32
    public var file: String?
    public var line: UInt32?
    /// Start of the line record (module-relative).
    public var lineAddress: UInt64?
    /// Inlined calls at the address, innermost first; each with the source position inside it.
    public var inlines: [InlineFrame]
    /// The symbol is a PUBLIC record: no size, no lines; only the nearest preceding name.
    public var isPublic: Bool

    public init(function: String, functionAddress: UInt64, parameterSize: UInt32 = 0, file: String? = nil,
                line: UInt32? = nil, lineAddress: UInt64? = nil, inlines: [InlineFrame] = [], isPublic: Bool = false) {
        self.function = function
        self.functionAddress = functionAddress
        self.parameterSize = parameterSize
        self.file = file
        self.line = line
        self.lineAddress = lineAddress
        self.inlines = inlines
        self.isPublic = isPublic
    }
}

/// The CFI rules for one address: how to compute the caller's registers from the callee's.
///
/// `.cfa` (the canonical frame address, which is the caller's stack pointer) and `.ra` (the
/// return address, which becomes the caller's instruction pointer) have rules like registers.
public struct CallFrameRules: Sendable, Hashable {
    /// Register name (as the symbol file spells it, e.g. `$rbx`, `x19`, `.cfa`, `.ra`) to rule.
    public var rules: [String: PostfixExpression]

    public init(rules: [String: PostfixExpression]) { self.rules = rules }

    /// Parses a Breakpad rule list: `.cfa: $rsp 8 + .ra: .cfa -8 + ^ $rbx: .cfa -16 + ^`.
    /// Later rules for the same register replace earlier ones. Returns nil on a malformed list.
    public init?(parsing text: some StringProtocol) {
        var rules: [String: PostfixExpression] = [:]
        guard Self.parse(text, into: &rules) else { return nil }
        self.rules = rules
    }

    /// Adds the rules in `text` (a `STACK CFI` delta) over the existing ones.
    public mutating func apply(_ text: some StringProtocol) -> Bool {
        Self.parse(text, into: &rules)
    }

    static func parse(_ text: some StringProtocol, into rules: inout [String: PostfixExpression]) -> Bool {
        var copy = String(text)
        return copy.withUTF8 { PostfixText.parseRules(UnsafeRawBufferPointer($0), into: &rules) }
    }

    /// Computes the caller's registers from `callee`'s, with Breakpad's semantics (its
    /// CFIFrameInfo::FindCallerRegs and the CFI walkers):
    ///
    /// - `.cfa` and `.ra` must evaluate, and so must every other rule: a row with one rule
    ///   that cannot be computed (memory not captured, an unknown register) is not used;
    /// - the caller's stack pointer is the CFA and its instruction pointer the `.ra` value,
    ///   unless a rule names that register itself (`sp: ...`, `$rsp: ...`), which wins;
    /// - other registers come from their rules; a register without one is unknown in the
    ///   caller unless `calleeSaved` lists it, in which case it keeps the callee's value.
    ///
    /// Rules for registers the layout does not name (vector registers) are evaluated, so
    /// they can reject the row as above, but not stored.
    public func callerContext(of callee: RegisterContext, calleeSaved: Set<String> = [],
                              readMemory: @escaping (UInt64) -> UInt64?) -> RegisterContext? {
        let layout = callee.layout
        var values: [String: UInt64] = [:]
        for (name, value) in callee.known { values[name] = value }
        for (alias, index) in layout.aliases { values[alias] = callee[index: index] }
        let evaluator = PostfixEvaluator(values: values, pointerSize: layout.cpu.pointerSize, readMemory: readMemory)
        guard let cfaRule = rules[".cfa"], let cfa = evaluator.evaluate(cfaRule) else { return nil }
        var withCFA = evaluator
        withCFA.values[".cfa"] = cfa
        guard let raRule = rules[".ra"], let ra = withCFA.evaluate(raRule) else { return nil }

        var caller = RegisterContext(layout: layout)
        for name in calleeSaved { caller[name] = callee[name] }
        caller[index: layout.stackPointer] = cfa
        caller[index: layout.instructionPointer] = ra
        for (name, rule) in rules where name != ".cfa" && name != ".ra" {
            guard let value = withCFA.evaluate(rule) else { return nil }
            let register = name.hasPrefix("$") ? String(name.dropFirst()) : name
            if let slot = layout.index(of: register) { caller[index: slot] = value }
        }
        return caller
    }
}

/// Windows x86 frame data from a `STACK WIN` record (FPO or FrameData).
public struct WindowsFrameInfo: Sendable, Hashable {
    /// 0 FPO, 1 trap, 2 TSS, 3 standard, 4 frame data.
    public var type: UInt8
    public var address: UInt64
    public var size: UInt64
    public var prologSize: UInt32
    public var epilogSize: UInt32
    public var parameterSize: UInt32
    public var savedRegisterSize: UInt32
    public var localSize: UInt32
    public var maxStackSize: UInt32
    /// For FPO records: whether the function uses EBP as a general register.
    public var allocatesBasePointer: Bool
    /// For FrameData records: the program that computes the caller's registers.
    public var programString: String?

    public init(type: UInt8, address: UInt64, size: UInt64, prologSize: UInt32, epilogSize: UInt32,
                parameterSize: UInt32, savedRegisterSize: UInt32, localSize: UInt32, maxStackSize: UInt32,
                allocatesBasePointer: Bool, programString: String?) {
        self.type = type
        self.address = address
        self.size = size
        self.prologSize = prologSize
        self.epilogSize = epilogSize
        self.parameterSize = parameterSize
        self.savedRegisterSize = savedRegisterSize
        self.localSize = localSize
        self.maxStackSize = maxStackSize
        self.allocatesBasePointer = allocatesBasePointer
        self.programString = programString
    }
}

/// A symbol-file format plugin: recognizes files of its format and reads them.
public protocol SymbolFormat: Sendable {
    /// The format's name ("breakpad", "elf", "macho").
    var name: String { get }
    /// Whether `bytes` look like this format (cheap: the first bytes only).
    func recognizes(_ bytes: ByteView) -> Bool
    /// Reads the file. Lines or records that do not parse are reported in `problems` and
    /// skipped; only a file that is unusable as a whole throws.
    func load(_ bytes: ByteView, location: String) throws -> any ModuleSymbols
}
