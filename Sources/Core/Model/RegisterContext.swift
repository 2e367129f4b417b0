/// The names and roles of a CPU's general-purpose registers, as a context parser lays them out.
///
/// Unwinders and the CFI evaluator find registers by name ("rip", "x29", "$eip" without the `$`),
/// so a new architecture needs only a layout, not changes to Core.
public struct RegisterLayout: Sendable, Hashable {
    public let cpu: CPU
    public let names: [String]
    /// Index of the instruction pointer, stack pointer and (where the ABI has one) frame pointer.
    public let instructionPointer: Int
    public let stackPointer: Int
    public let framePointer: Int?
    /// Alternative names accepted by lookups ("fp" for "x29", "lr" for "x30").
    public let aliases: [String: Int]
    /// How many bytes before a caller's return address its symbols are looked up, so the
    /// address falls inside the call instruction: 1 on x86, 4 on ARM64 (fixed-size
    /// instructions), 2 on ARM (where a return address may carry the Thumb bit). The
    /// architecture's plugin declares it with the layout.
    public let returnAddressLookback: UInt64
    private let index: [String: Int]

    public init(cpu: CPU, names: [String], instructionPointer: String, stackPointer: String,
                framePointer: String?, aliases: [String: String] = [:], returnAddressLookback: UInt64 = 1) {
        precondition(names.count <= 128, "a register layout holds at most 128 registers")
        self.cpu = cpu
        self.returnAddressLookback = returnAddressLookback
        self.names = names
        var index: [String: Int] = [:]
        for (i, name) in names.enumerated() { index[name] = i }
        var resolved: [String: Int] = [:]
        for (alias, target) in aliases { resolved[alias] = index[target] }
        self.aliases = resolved
        self.index = index.merging(resolved) { a, _ in a }
        self.instructionPointer = index[instructionPointer]!
        self.stackPointer = index[stackPointer]!
        self.framePointer = framePointer.flatMap { index[$0] }
    }

    /// The index of `name` or an alias of it.
    public func index(of name: String) -> Int? { index[name] }

    public static func == (lhs: RegisterLayout, rhs: RegisterLayout) -> Bool {
        lhs.cpu == rhs.cpu && lhs.names == rhs.names
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(cpu)
        hasher.combine(names)
    }
}

/// Register values of one frame, with which of them are known.
public struct RegisterContext: Sendable, Hashable {
    public let layout: RegisterLayout
    public private(set) var values: [UInt64]
    /// Bit i set when register i holds a known value.
    public private(set) var validLow: UInt64
    public private(set) var validHigh: UInt64

    /// A context with no known registers.
    public init(layout: RegisterLayout) {
        self.layout = layout
        self.values = [UInt64](repeating: 0, count: layout.names.count)
        self.validLow = 0
        self.validHigh = 0
    }

    public var cpu: CPU { layout.cpu }

    public func isValid(_ i: Int) -> Bool {
        i < 64 ? validLow & (1 << UInt64(i)) != 0 : validHigh & (1 << UInt64(i - 64)) != 0
    }

    public subscript(index i: Int) -> UInt64? {
        get { isValid(i) ? values[i] : nil }
        set {
            if let newValue {
                values[i] = newValue
                if i < 64 { validLow |= 1 << UInt64(i) } else { validHigh |= 1 << UInt64(i - 64) }
            } else {
                values[i] = 0
                if i < 64 { validLow &= ~(1 << UInt64(i)) } else { validHigh &= ~(1 << UInt64(i - 64)) }
            }
        }
    }

    /// The value of a register by name or alias, if known.
    public subscript(name: String) -> UInt64? {
        get { layout.index(of: name).flatMap { self[index: $0] } }
        set { if let i = layout.index(of: name) { self[index: i] = newValue } }
    }

    public var instructionPointer: UInt64? { self[index: layout.instructionPointer] }
    public var stackPointer: UInt64? { self[index: layout.stackPointer] }
    public var framePointer: UInt64? { layout.framePointer.flatMap { self[index: $0] } }

    /// Known registers in layout order.
    public var known: [(name: String, value: UInt64)] {
        layout.names.indices.compactMap { i in isValid(i) ? (layout.names[i], values[i]) : nil }
    }
}

extension RegisterContext: Codable {
    /// Encodes as an object of register name to hex value, known registers only.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: NameKey.self)
        try container.encode(cpu, forKey: NameKey("cpu"))
        var registers = container.nestedContainer(keyedBy: NameKey.self, forKey: NameKey("registers"))
        for (name, value) in known {
            try registers.encode(formatHex(value, width: cpu.pointerSize * 2), forKey: NameKey(name))
        }
    }

    /// Decoding needs a layout registry, which Core does not have; reports are decoded without
    /// register contexts. Decoding one always fails with a clear message.
    public init(from decoder: any Decoder) throws {
        throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                debugDescription: "register contexts are not decoded"))
    }
}

/// A coding key made from any string.
public struct NameKey: CodingKey, Hashable, Sendable {
    public var stringValue: String
    public var intValue: Int? { nil }
    public init(_ name: String) { stringValue = name }
    public init?(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { return nil }
}
