#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CrashpipeCore

/// Breakpad `.sym` files as debug files: the one object a file describes, with the values
/// getsentry/symbolic (`symbolic-debuginfo/src/breakpad.rs`, `BreakpadObject`) reports.
///
/// - debug id, arch and debug file name from the `MODULE <os> <arch> <id> <name>` line (read,
///   as symbolic reads it, from at most the first 320 bytes); the arch in symbolic's names
///   (`x86` for `i386`, `x86_64` for `amd64`, ...; one symbolic does not know is kept, lower-cased,
///   where symbolic rejects the file);
/// - code id from the first `INFO CODE_ID <hex> [<file>]` among the INFO lines right after
///   the MODULE line;
/// - features: `symtab` when a PUBLIC line comes before the first STACK line, `debug` when a
///   FUNC line does, `unwind` when there is a `STACK WIN` or `STACK CFI INIT` line;
/// - no kind (symbolic calls every Breakpad file "debug"), load address 0 (Breakpad rebases
///   addresses).
///
/// The lines are scanned once, without building a symbol table, and the scan stops as soon as
/// all three features are decided, so the first STACK record usually ends it.
public struct BreakpadDebugFileFormat: DebugFileFormat {
    public init() {}

    public var name: String { "breakpad" }

    public func recognizes(_ bytes: ByteView) -> Bool {
        BreakpadSymbolFormat().recognizes(bytes)
    }

    public func objects(in bytes: ByteView) throws -> [DebugObject] {
        [try BreakpadDebugFile.inspect(bytes)]
    }
}

enum BreakpadDebugFile {
    /// How much of the file the MODULE record is read from (symbolic's `BREAKPAD_HEADER_CAP`).
    static let headerCap = 320

    static func inspect(_ bytes: ByteView) throws(ParseError) -> DebugObject {
        let module = try moduleRecord(bytes)
        let scan = bytes.withUnsafeBytes { raw in Scan(raw) }
        var features: DebugFeatures = []
        if scan.hasPublic { features.insert(.symtab) }
        if scan.hasFunc { features.insert(.debug) }
        if scan.hasStack { features.insert(.unwind) }
        return DebugObject(format: "breakpad", kind: nil, arch: module.arch, debugId: module.debugId,
                           codeId: scan.codeId, debugFile: module.name, loadAddress: 0, features: features)
    }

    struct Module {
        var arch: String
        var debugId: DebugId
        var name: String?
    }

    /// The MODULE record: `MODULE`, the OS, the arch and the id (hex digits), separated by
    /// whitespace, then the name (the rest of the line, possibly empty).
    static func moduleRecord(_ bytes: ByteView) throws(ParseError) -> Module {
        var header = bytes.withUnsafeBytes { Array($0.prefix(headerCap)) }
        if bytes.count > headerCap && String(validating: header, as: UTF8.self) == nil {
            // A multi-byte character cut by the cap is fine; anything else is not UTF-8.
            guard let trimmed = (1...3).lazy.map({ header.dropLast($0) })
                .first(where: { String(validating: $0, as: UTF8.self) != nil }) else {
                throw ParseError(.badEncoding, offset: bytes.fileOffset(0), context: "MODULE record",
                                 "the first \(header.count) bytes are not UTF-8")
            }
            header = Array(trimmed)
        }
        guard let line = String(validating: header.prefix(while: { $0 != 0x0A }), as: UTF8.self) else {
            throw ParseError(.badEncoding, offset: bytes.fileOffset(0), context: "MODULE record",
                             "the first line is not UTF-8")
        }
        let fields = line.trimmingWhitespace().split(maxSplits: 4, omittingEmptySubsequences: true) {
            $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n"
        }
        func fail(_ detail: String) -> ParseError {
            ParseError(.invalidValue, offset: bytes.fileOffset(0), context: "MODULE record", detail)
        }
        guard fields.count >= 4, fields[0] == "MODULE" else {
            throw fail("expected MODULE <os> <arch> <id> [<name>], found \"\(line.prefix(120))\"")
        }
        let id = String(fields[3])
        guard id.allSatisfy({ $0.isASCII && $0.isHexDigit }), let debugId = DebugId(id) else {
            throw fail("the module id \"\(id.prefix(64))\" is not a Breakpad debug id")
        }
        let name = fields.count > 4 ? String(fields[4]).trimmingWhitespace() : ""
        return Module(arch: archName(String(fields[2])), debugId: debugId, name: name.isEmpty ? nil : name)
    }

    /// symbolic's `Arch::from_str` aliases; other names are canonical already or unknown to it.
    static func archName(_ text: String) -> String {
        switch text.lowercased() {
        case "i386": return "x86"
        case "amd64", "x86-64": return "x86_64"
        case "arm-64": return "arm64"
        case let name: return name
        }
    }

    /// One pass over the lines (`\n`-terminated, a trailing `\r` ignored).
    struct Scan {
        var codeId: CodeId?
        var hasPublic = false
        var hasFunc = false
        var hasStack = false

        init(_ raw: UnsafeRawBufferPointer) {
            guard let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
            let count = raw.count
            var start = 0
            var inInfoBlock = true      // still in the MODULE/INFO lines at the top
            var seenStackLine = false   // PUBLIC and FUNC records count only before it
            while start < count {
                let end: Int
                if let newline = memchr(base + start, 0x0A, count - start) {
                    end = UnsafeRawPointer(newline).assumingMemoryBound(to: UInt8.self) - base
                } else {
                    end = count
                }
                var lineEnd = end
                if lineEnd > start && base[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let line = base + start
                let length = lineEnd - start

                if inInfoBlock {
                    if Self.starts(line, length, "MODULE ") {
                        // MODULE lines are skipped while looking for INFO lines.
                    } else if Self.starts(line, length, "INFO ") {
                        if codeId == nil { codeId = Self.codeId(infoLine: UnsafeBufferPointer(start: line, count: length)) }
                    } else {
                        inInfoBlock = false
                    }
                }
                // Records are told apart by their first byte before anything is compared.
                switch length > 0 ? line[0] : 0 {
                case UInt8(ascii: "S") where Self.starts(line, length, "STACK "):
                    if Self.starts(line, length, "STACK WIN") || Self.starts(line, length, "STACK CFI INIT") { hasStack = true }
                    seenStackLine = true
                case UInt8(ascii: "P") where !seenStackLine && Self.starts(line, length, "PUBLIC "):
                    hasPublic = true
                case UInt8(ascii: "F") where !seenStackLine && Self.starts(line, length, "FUNC "):
                    hasFunc = true
                default:
                    break
                }
                if !inInfoBlock && (seenStackLine || (hasPublic && hasFunc)) && hasStack { break }
                start = end + 1
            }
        }

        /// Whether the `length` bytes at `line` start with `prefix`.
        @inline(__always)
        static func starts(_ line: UnsafePointer<UInt8>, _ length: Int, _ prefix: StaticString) -> Bool {
            let count = prefix.utf8CodeUnitCount
            return length >= count && memcmp(line, prefix.utf8Start, count) == 0
        }

        /// The code id of `INFO CODE_ID <hex digits> [<file>]`; nil for other INFO lines and for
        /// lines that do not parse (symbolic skips those too).
        static func codeId(infoLine line: UnsafeBufferPointer<UInt8>) -> CodeId? {
            guard let text = String(validating: line, as: UTF8.self) else { return nil }
            let fields = text.trimmingWhitespace().split(maxSplits: 3, omittingEmptySubsequences: true) {
                $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n"
            }
            guard fields.count >= 3, fields[0] == "INFO", fields[1] == "CODE_ID",
                  fields[2].allSatisfy({ $0.isASCII && $0.isHexDigit }) else { return nil }
            return CodeId(String(fields[2]))
        }
    }
}
