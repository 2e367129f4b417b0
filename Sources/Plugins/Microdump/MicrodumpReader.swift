import CrashpipeCore

/// Reads the records of a microdump line by line (see ``Microdump`` for the format).
///
/// Everything from the input is checked before use: numbers are hex of at most 16 digits,
/// byte strings have an even number of hex digits, the stack lines lie inside the range the
/// `S 0` line declares and follow each other without gaps, and lines are at most
/// ``Microdump/maxLineLength`` bytes. Every error names the line (in the `ParseError`'s
/// context) and the byte offset of the offending field.
struct MicrodumpReader {
    let bytes: [UInt8]
    let view: ByteView

    /// What the records of the current microdump said so far.
    struct State {
        var beginLine = 0
        var prefix = LinePrefix.none
        var osLine: Int?
        var os = OS.unknown
        var architecture = ""
        var cpu = CPU.unknown
        var cpuCount = 0
        var hardwareArchitecture = ""
        var osVersion = ""
        var gpu: GPUInfo?
        var product: String?
        var processType: String?
        var crash: Microdump.Crash?
        var stackHeader: Microdump.StackHeader?
        var stackHeaderLine = 0
        var stackStart: UInt64?
        var stackBytes: [UInt8] = []
        var context: [UInt8]?
        var contextLine = 0
        var contextOffset = 0
        var modules: [(module: Module, line: Int)] = []
        var notes: [String] = []
    }

    var state = State()

    init(bytes: [UInt8], view: ByteView) {
        self.bytes = bytes
        self.view = view
    }

    mutating func read(contexts: ContextFormats) throws(ParseError) -> Microdump {
        var inDump = false
        var carriedNotes: [String] = []
        var lastLine = 0
        for line in LineSplitter(bytes) {
            lastLine = line.number
            guard line.end - line.start <= Microdump.maxLineLength else {
                throw error(.absurdCount, line.number, at: line.start,
                            "the line is \(line.end - line.start) bytes long, more than the \(Microdump.maxLineLength) a microdump line may have")
            }
            if let marker = MicrodumpText.find(MicrodumpText.begin, in: bytes, from: line.start, to: line.end) {
                if inDump {
                    // A dump cut short in the log (the process died while writing it) and
                    // written again: read the later one.
                    carriedNotes.append("the microdump that begins on line \(state.beginLine) has no END marker; "
                                        + "reading the one that begins on line \(line.number)")
                }
                state = State()
                state.beginLine = line.number
                state.prefix = LinePrefix(bytes: bytes, line: line, markerOffset: marker)
                inDump = true
                continue
            }
            guard inDump, let content = state.prefix.contentStart(of: line, in: bytes) else { continue }
            if MicrodumpText.find(MicrodumpText.end, in: bytes, from: content, to: line.end) != nil {
                state.notes = carriedNotes + state.notes
                return try finish(endLine: line, contexts: contexts)
            }
            try record(line, content: content)
        }
        if inDump {
            throw ParseError(.truncated, offset: view.fileOffset(bytes.count), context: "microdump line \(lastLine)",
                             "no -----END BREAKPAD MICRODUMP----- line after the BEGIN marker on line \(state.beginLine); "
                             + "the input ends at line \(lastLine)")
        }
        throw ParseError(.badMagic, offset: view.fileOffset(0), context: "microdump",
                         "no -----BEGIN BREAKPAD MICRODUMP----- line in the input (\(lastLine) lines)")
    }

    // MARK: Records

    mutating func record(_ line: InputLine, content: Int) throws(ParseError) {
        let tokens = bytes.tokens(from: content, to: line.end)
        guard let first = tokens.first else { return }
        let letter = bytes[first.start]
        guard first.count == 1, letter >= 0x41, letter <= 0x5A else {
            throw error(.invalidValue, line.number, at: first.start,
                        "'\(excerpt(first))' is not a microdump record (records start with one of the letters V, O, P, R, G, H, S, C, M)")
        }
        // The text after the record letter and one space, for records whose value is free text.
        let rest = min(first.end + 1, line.end)
        switch letter {
        case UInt8(ascii: "O"): try osRecord(line, tokens)
        case UInt8(ascii: "S"): try stackRecord(line, tokens)
        case UInt8(ascii: "C"): try contextRecord(line, tokens)
        case UInt8(ascii: "M"): try moduleRecord(line, tokens)
        case UInt8(ascii: "R"): try crashRecord(line, tokens)
        case UInt8(ascii: "G"):
            // GL version, vendor and renderer separated by '|'; Breakpad reads up to three
            // fields and keeps the spaces inside them.
            let text = bytes.text(rest, line.end)
            guard text != "UNKNOWN" else { state.gpu = nil; return }
            let parts = text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            let gpu = GPUInfo(version: parts[0], vendor: parts.count > 1 ? parts[1] : "",
                              renderer: parts.count > 2 ? parts[2] : "")
            state.gpu = gpu.isKnown ? gpu : nil
        case UInt8(ascii: "V"):
            let text = bytes.text(rest, line.end)
            state.product = text == "UNKNOWN:0.0.0.0" || text.isEmpty ? nil : text
        case UInt8(ascii: "P"):
            let text = bytes.text(rest, line.end)
            state.processType = text == "UNKNOWN" || text.isEmpty ? nil : text
        case UInt8(ascii: "H"):
            break   // Free address-space statistics: Breakpad's processor ignores them too.
        default:
            state.notes.append("line \(line.number): record type '\(Character(UnicodeScalar(letter)))' is not known; skipped")
        }
    }

    /// `O <os letter> <architecture> <cpu count> <hardware architecture> <os version...>`
    mutating func osRecord(_ line: InputLine, _ tokens: [Token]) throws(ParseError) {
        if let previous = state.osLine {
            throw error(.invalidValue, line.number, at: tokens[0].start, "a second O line (the first is line \(previous))")
        }
        guard tokens.count >= 5 else {
            throw error(.truncated, line.number, at: line.end,
                        "the O line needs an OS letter, an architecture, a CPU count and a hardware architecture; it has \(tokens.count - 1) of the 4 fields")
        }
        let letter = bytes.text(tokens[1])
        if let os = Microdump.operatingSystems[letter] {
            state.os = os
        } else {
            state.os = .unknown
            state.notes.append("line \(line.number): OS letter '\(letter)' is neither A (Android) nor L (Linux)")
        }
        let architecture = bytes.text(tokens[2])
        guard let cpu = Microdump.architectures[architecture] else {
            let known = Microdump.architectures.keys.sorted().joined(separator: ", ")
            throw error(.unsupported, line.number, at: tokens[2].start,
                        "unknown architecture '\(excerpt(tokens[2]))' (known: \(known))")
        }
        let count = try hexNumber(tokens[3], line.number, "the CPU count")
        guard count <= UInt64(UInt32.max) else {
            throw error(.absurdCount, line.number, at: tokens[3].start, "a CPU count of \(count)")
        }
        state.osLine = line.number
        state.architecture = architecture
        state.cpu = cpu
        state.cpuCount = Int(count)
        state.hardwareArchitecture = bytes.text(tokens[4])
        // Everything after the hardware architecture and one space, as Breakpad takes it.
        let versionStart = min(tokens[4].end + 1, line.end)
        state.osVersion = bytes.text(versionStart, line.end)
    }

    /// `S 0 <stack pointer> <start> <size>`, then `S <address> <hex bytes>` lines.
    mutating func stackRecord(_ line: InputLine, _ tokens: [Token]) throws(ParseError) {
        if tokens.count == 5, tokens[1].count == 1, bytes[tokens[1].start] == UInt8(ascii: "0") {
            if state.stackHeader != nil {
                throw error(.invalidValue, line.number, at: tokens[0].start,
                            "a second S 0 line (the first is line \(state.stackHeaderLine))")
            }
            let sp = try hexNumber(tokens[2], line.number, "the stack pointer")
            let start = try hexNumber(tokens[3], line.number, "the stack start")
            let size = try hexNumber(tokens[4], line.number, "the stack size")
            guard !start.addingReportingOverflow(size).overflow else {
                throw error(.outOfRange, line.number, at: tokens[4].start,
                            "a stack of 0x\(hex(size)) bytes at 0x\(hex(start)) ends past the top of the address space")
            }
            // Each byte takes two hex digits, so no microdump holds more than half the
            // largest input. (The size is only checked, never allocated: the stack lines
            // bring their bytes.)
            let limit = UInt64(Microdump.maxInputSize / 2)
            guard size <= limit else {
                throw error(.absurdCount, line.number, at: tokens[4].start,
                            "a stack of 0x\(hex(size)) bytes is more than a microdump can hold (0x\(hex(limit)))")
            }
            state.stackHeader = Microdump.StackHeader(stackPointer: sp, start: start, size: size)
            state.stackHeaderLine = line.number
            return
        }
        guard tokens.count == 3 else {
            throw error(.invalidValue, line.number, at: tokens[0].start,
                        "an S line is either 'S 0 <stack pointer> <start> <size>' or 'S <address> <hex bytes>'; this one has \(tokens.count - 1) fields")
        }
        guard let header = state.stackHeader else {
            throw error(.invalidValue, line.number, at: tokens[0].start, "stack bytes before the S 0 line that declares the stack")
        }
        let address = try hexNumber(tokens[1], line.number, "the stack address")
        let chunk = try hexBytes(tokens[2], line.number, "the stack bytes")
        let end = address.addingReportingOverflow(UInt64(chunk.count))
        let declaredEnd = header.start + header.size
        guard address >= header.start, !end.overflow, end.partialValue <= declaredEnd else {
            throw error(.outOfRange, line.number, at: tokens[1].start,
                        "stack bytes 0x\(hex(address))-0x\(hex(end.partialValue)) lie outside the stack 0x\(hex(header.start))-0x\(hex(declaredEnd)) declared on line \(state.stackHeaderLine)")
        }
        if let start = state.stackStart {
            let expected = start + UInt64(state.stackBytes.count)
            guard address == expected else {
                throw error(.invalidValue, line.number, at: tokens[1].start,
                            "stack bytes at 0x\(hex(address)) do not follow the previous stack line, which ends at 0x\(hex(expected))")
            }
        } else {
            state.stackStart = address
            if address > header.start {
                state.notes.append("line \(line.number): the stack bytes begin at 0x\(hex(address)), 0x\(hex(address - header.start)) bytes above the start declared on line \(state.stackHeaderLine)")
            }
        }
        state.stackBytes += chunk
    }

    /// `C <hex bytes>`: the context structure of the architecture, decoded at the end (the O
    /// line may come later).
    mutating func contextRecord(_ line: InputLine, _ tokens: [Token]) throws(ParseError) {
        if state.context != nil {
            throw error(.invalidValue, line.number, at: tokens[0].start, "a second C line (the first is line \(state.contextLine))")
        }
        guard tokens.count == 2 else {
            throw error(tokens.count < 2 ? .truncated : .invalidValue, line.number, at: tokens.count < 2 ? line.end : tokens[2].start,
                        "the C line holds one field, the CPU context in hex; it has \(tokens.count - 1)")
        }
        state.context = try hexBytes(tokens[1], line.number, "the CPU context")
        state.contextLine = line.number
        state.contextOffset = tokens[1].start
    }

    /// `M <base> <file offset> <size> <debug id> <file name>`
    mutating func moduleRecord(_ line: InputLine, _ tokens: [Token]) throws(ParseError) {
        guard tokens.count >= 6 else {
            throw error(.truncated, line.number, at: line.end,
                        "an M line needs a base, a file offset, a size, a debug id and a file name; it has \(tokens.count - 1) of the 5 fields")
        }
        let base = try hexNumber(tokens[1], line.number, "the module base")
        _ = try hexNumber(tokens[2], line.number, "the module's file offset")
        let size = try hexNumber(tokens[3], line.number, "the module size")
        let idToken = tokens[4]
        guard idToken.count >= 33, idToken.count <= 40,
              bytes[idToken.start..<idToken.end].allSatisfy({ hexDigitValue($0) != nil }),
              let debugId = DebugId(bytes.text(idToken)) else {
            throw error(.invalidValue, line.number, at: idToken.start,
                        "module debug id '\(excerpt(idToken))' is not 32 hex digits of GUID followed by the age in hex")
        }
        // The name is the rest of the line (Breakpad stops at the first space; names with
        // spaces are rare but real).
        let name = bytes.text(tokens[5].start, tokens.last!.end)
        let module = Module(base: base, size: size, codeFile: name, debugFile: name, debugId: debugId,
                            identifierSource: "microdump")
        state.modules.append((module, line.number))
    }

    /// `R <signal> <signal name> <address>`
    mutating func crashRecord(_ line: InputLine, _ tokens: [Token]) throws(ParseError) {
        guard tokens.count >= 4 else {
            throw error(.truncated, line.number, at: line.end,
                        "the R line needs a signal number, a signal name and an address; it has \(tokens.count - 1) of the 3 fields")
        }
        let signal = try hexNumber(tokens[1], line.number, "the signal number")
        guard signal <= UInt64(UInt32.max) else {
            throw error(.invalidValue, line.number, at: tokens[1].start, "signal number 0x\(hex(signal)) does not fit in 32 bits")
        }
        let address = try hexNumber(tokens[3], line.number, "the crash address")
        state.crash = Microdump.Crash(signal: UInt32(signal), reason: bytes.text(tokens[2]), address: address)
    }

    // MARK: The END line

    mutating func finish(endLine line: InputLine, contexts: ContextFormats) throws(ParseError) -> Microdump {
        func missing(_ what: String) -> ParseError {
            ParseError(.truncated, offset: view.fileOffset(line.start), context: "microdump line \(line.number)",
                       "the microdump that begins on line \(state.beginLine) ends without \(what)")
        }
        guard state.osLine != nil else { throw missing("an O line (OS and CPU)") }
        guard let contextBytes = state.context else { throw missing("a C line (the CPU context)") }
        guard let header = state.stackHeader else { throw missing("an S 0 line (the stack)") }

        let context: DecodedContext
        do {
            context = try contexts.decode(ByteView(contextBytes), endian: .little, cpu: state.cpu, os: state.os)
        } catch {
            throw ParseError(error.kind, offset: view.fileOffset(state.contextOffset), context: "microdump line \(state.contextLine)",
                             "the \(state.architecture) CPU context (\(contextBytes.count) bytes) cannot be read: \(error.detail)")
        }

        if UInt64(state.stackBytes.count) < header.size {
            state.notes.append("the stack lines hold 0x\(hex(UInt64(state.stackBytes.count))) of the 0x\(hex(header.size)) bytes declared on line \(state.stackHeaderLine)")
        }
        let stack = state.stackStart.flatMap { start in
            state.stackBytes.isEmpty ? nil : MemoryRegion(base: start, bytes: ByteView(state.stackBytes))
        }

        return Microdump(os: state.os, architecture: state.architecture, cpu: state.cpu, cpuCount: state.cpuCount,
                         hardwareArchitecture: state.hardwareArchitecture, osVersion: state.osVersion, gpu: state.gpu,
                         product: state.product, processType: state.processType, crash: state.crash,
                         stackHeader: header, stack: stack, context: context, modules: storedModules(),
                         notes: state.notes, beginLine: state.beginLine, endLine: line.number)
    }

    /// The modules as Breakpad's module map stores them: an empty or address-space-overflowing
    /// range is refused; of overlapping ranges, on Linux the higher one is refused, while on
    /// Android (where the linker maps libraries over each other) both are kept.
    mutating func storedModules() -> [Module] {
        var kept: [(module: Module, line: Int)] = []
        for entry in state.modules {
            let module = entry.module
            if module.size == 0 || module.base.addingReportingOverflow(module.size).overflow {
                state.notes.append("line \(entry.line): module \(module.name) at 0x\(hex(module.base)) with size 0x\(hex(module.size)) has no valid range; left out")
                continue
            }
            kept.append(entry)
        }
        var dropped = Set<Int>()   // lines
        var highest: (end: UInt64, entry: (module: Module, line: Int))?
        for entry in kept.sorted(by: { ($0.module.base, $0.line) < ($1.module.base, $1.line) }) {
            if let previous = highest, entry.module.base < previous.end {
                let overlap = "line \(entry.line): module \(entry.module.name) at 0x\(hex(entry.module.base)) overlaps module \(previous.entry.module.name) of line \(previous.entry.line)"
                if state.os == .android {
                    state.notes.append(overlap)
                } else {
                    state.notes.append(overlap + "; left out")
                    dropped.insert(entry.line)
                    continue
                }
            }
            if entry.module.end > highest?.end ?? 0 { highest = (entry.module.end, entry) }
        }
        return kept.filter { !dropped.contains($0.line) }.map(\.module)
    }

    // MARK: Fields

    func error(_ kind: ParseError.Kind, _ line: Int, at offset: Int, _ detail: String) -> ParseError {
        ParseError(kind, offset: view.fileOffset(offset), context: "microdump line \(line)", detail)
    }

    /// A hex number of 1 to 16 digits.
    func hexNumber(_ token: Token, _ line: Int, _ what: String) throws(ParseError) -> UInt64 {
        guard token.count <= 16 else {
            throw error(.invalidValue, line, at: token.start, "\(what) '\(excerpt(token))' has \(token.count) hex digits, more than 16")
        }
        var value: UInt64 = 0
        for i in token.start..<token.end {
            guard let digit = hexDigitValue(bytes[i]) else {
                throw error(.invalidValue, line, at: i, "\(what) '\(excerpt(token))' is not a hex number (\(describe(bytes[i])) at column \(column(i, line)))")
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }

    /// Bytes written as pairs of hex digits.
    func hexBytes(_ token: Token, _ line: Int, _ what: String) throws(ParseError) -> [UInt8] {
        guard token.count % 2 == 0 else {
            throw error(.truncated, line, at: token.end - 1, "\(what) has an odd number of hex digits (\(token.count)); the last byte is cut")
        }
        var out = [UInt8]()
        out.reserveCapacity(token.count / 2)
        var i = token.start
        while i < token.end {
            guard let high = hexDigitValue(bytes[i]) else {
                throw error(.invalidValue, line, at: i, "\(what) has \(describe(bytes[i])) at column \(column(i, line)), not a hex digit")
            }
            guard let low = hexDigitValue(bytes[i + 1]) else {
                throw error(.invalidValue, line, at: i + 1, "\(what) has \(describe(bytes[i + 1])) at column \(column(i + 1, line)), not a hex digit")
            }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }

    /// The 1-based column of byte `offset` in its line.
    func column(_ offset: Int, _ line: Int) -> Int {
        var start = offset
        while start > 0, bytes[start - 1] != 0x0A { start -= 1 }
        return offset - start + 1
    }

    /// A token for a message, cut to 40 characters.
    func excerpt(_ token: Token) -> String {
        let text = bytes.text(token.start, min(token.end, token.start + 40))
        return token.count > 40 ? text + "..." : text
    }

    func describe(_ byte: UInt8) -> String {
        byte >= 0x21 && byte < 0x7F ? "'\(Character(UnicodeScalar(byte)))'" : "byte 0x\(hex(UInt64(byte)))"
    }

    func hex(_ value: UInt64) -> String { String(value, radix: 16) }
}
