/// Breakpad's postfix expressions, used by `STACK CFI` rules (`.cfa: $rsp 8 +`) and by
/// `STACK WIN` program strings (`$T0 $ebp = $eip $T0 4 + ^ =`).
///
/// Written once, over names: registers are looked up by name (with or without the `$`), so every
/// CPU shares this evaluator; a CPU contributes only its register names.
public struct PostfixExpression: Sendable, Hashable, CustomStringConvertible {
    public enum Token: Sendable, Hashable {
        case number(UInt64)
        /// A register (`$rsp`, `sp`), a temporary (`$T0`), or a special (`.cfa`, `.raSearch`).
        case name(String)
        case add, subtract, multiply, divide, remainder, align, dereference, assign
    }

    public let tokens: [Token]

    public init(tokens: [Token]) { self.tokens = tokens }

    /// Parses whitespace-separated tokens (see ``PostfixText`` for the exact rules). Returns
    /// nil on an empty expression.
    public init?(parsing text: some StringProtocol) {
        var copy = String(text)
        guard let tokens = copy.withUTF8({ PostfixText.tokens(UnsafeRawBufferPointer($0)) }) else { return nil }
        self.tokens = tokens
    }

    public var description: String {
        tokens.map { token -> String in
            switch token {
            case .number(let n): return String(n)
            case .name(let s): return s
            case .add: return "+"
            case .subtract: return "-"
            case .multiply: return "*"
            case .divide: return "/"
            case .remainder: return "%"
            case .align: return "@"
            case .dereference: return "^"
            case .assign: return "="
            }
        }.joined(separator: " ")
    }
}

/// Evaluates postfix expressions and programs against named values and memory.
///
/// Values are pointer-sized: arithmetic wraps at 32 bits for 32-bit CPUs. A failed read, an
/// unknown name, division by zero or a malformed expression makes evaluation return nil; it
/// never traps. Programs are bounded by their length: there are no loops.
public struct PostfixEvaluator {
    /// Known values: registers (without `$`), temporaries and specials like `.cfa`.
    public var values: [String: UInt64]
    public let pointerSize: Int
    let readMemory: (UInt64) -> UInt64?

    /// `readMemory` reads one pointer-sized value at an address.
    public init(values: [String: UInt64], pointerSize: Int, readMemory: @escaping (UInt64) -> UInt64?) {
        self.values = values
        self.pointerSize = pointerSize
        self.readMemory = readMemory
    }

    private var mask: UInt64 { pointerSize == 4 ? 0xffff_ffff : .max }

    /// Looks up a name, trying it with and without a leading `$`.
    public func value(of name: String) -> UInt64? {
        if let v = values[name] { return v }
        if name.hasPrefix("$") { return values[String(name.dropFirst())] }
        return values["$" + name]
    }

    /// The value of an expression that leaves exactly one value and assigns nothing.
    public func evaluate(_ expression: PostfixExpression) -> UInt64? {
        var copy = self
        var stack: [Operand] = []
        guard copy.execute(expression.tokens, stack: &stack), stack.count == 1 else { return nil }
        return copy.resolve(stack[0])
    }

    /// Runs a program of assignments (`$T0 $ebp = ...`); returns false if any step fails. On
    /// success the assigned names are in `values`.
    public mutating func run(_ program: PostfixExpression) -> Bool {
        var stack: [Operand] = []
        return execute(program.tokens, stack: &stack) && stack.isEmpty
    }

    private enum Operand {
        case value(UInt64)
        case name(String)
    }

    private func resolve(_ operand: Operand) -> UInt64? {
        switch operand {
        case .value(let v): return v
        case .name(let n): return value(of: n)
        }
    }

    private mutating func execute(_ tokens: [PostfixExpression.Token], stack: inout [Operand]) -> Bool {
        for token in tokens {
            switch token {
            case .number(let n):
                stack.append(.value(n & mask))
            case .name(let n):
                stack.append(.name(n))
            case .dereference:
                guard let top = stack.popLast(), let address = resolve(top), let loaded = readMemory(address) else { return false }
                stack.append(.value(loaded & mask))
            case .assign:
                guard let valueOperand = stack.popLast(), let target = stack.popLast(),
                      case .name(let name) = target, let v = resolve(valueOperand) else { return false }
                values[name.hasPrefix("$") && !name.hasPrefix("$T") && !name.hasPrefix("$L") && !name.hasPrefix("$P")
                       ? String(name.dropFirst()) : name] = v
            default:
                guard let right = stack.popLast().flatMap(resolve), let left = stack.popLast().flatMap(resolve) else {
                    return false
                }
                let result: UInt64
                switch token {
                case .add: result = left &+ right
                case .subtract: result = left &- right
                case .multiply: result = left &* right
                case .divide:
                    guard right != 0 else { return false }
                    result = left / right
                case .remainder:
                    guard right != 0 else { return false }
                    result = left % right
                case .align:
                    // Align down to a power of two, as Breakpad's '@' does.
                    guard right != 0, right & (right &- 1) == 0 else { return false }
                    result = left & ~(right &- 1)
                default:
                    return false
                }
                stack.append(.value(result & mask))
            }
        }
        return true
    }
}
