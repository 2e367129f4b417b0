import MultipartKit
import NIOCore

/// One part of a `multipart/form-data` body.
struct FormPart {
    /// 1-based position in its body.
    var index: Int
    var name: String?
    var fileName: String?
    var contentType: String?
    var body: [UInt8]
    /// Whether this part came from a nested multipart body inside `upload_file_minidump`.
    var nested: Bool = false

    /// "part 3 (field `prod`)" for messages.
    var label: String {
        var text = (nested ? "nested part " : "part ") + String(index)
        if let name { text += " (field \(Render.name(name))" + (fileName.map { ", file \(Render.name($0))" } ?? "") + ")" }
        else if let fileName { text += " (file \(Render.name(fileName)))" }
        return text
    }
}

/// Splits a multipart body into parts with MultipartKit's parser, adding what that parser leaves
/// to its caller: a per-part size limit, a check that the body ends with its closing boundary,
/// and the exact byte offset of a syntax error.
enum MultipartForm {
    /// Bytes handed to the parser at a time: the part size limit is checked between feeds, and
    /// a syntax error is located by re-feeding its feed byte by byte, so this bounds that work.
    static let feedSize = 64 << 10

    /// Parses `body`. `what` names the body in messages ("the request body", "the nested
    /// multipart body in part 2 ...").
    static func parse(_ body: [UInt8], boundary: String, partLimit: Int, nested: Bool, what: String)
        throws(IngestError) -> [FormPart]
    {
        if let offset = nonASCIIHeaderNameByte(body, boundary: boundary) {
            throw IngestError(.malformedMultipart,
                              "malformed multipart body: a part header name holds the non-ASCII byte \(Render.bytes(body[offset...], count: 1)) at byte \(offset) of \(what)",
                              causes: ["header names are ASCII tokens (RFC 9110)"])
        }
        // A form of no parts (`--B--`) is well-formed here; MultipartKit's parser rejects it.
        if let first = firstIndex(of: Array("--\(boundary)".utf8), in: body) {
            let after = first + boundary.utf8.count + 2
            if body.count >= after + 2, body[after] == UInt8(ascii: "-"), body[after + 1] == UInt8(ascii: "-") { return [] }
        }
        let state = ParseState()
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in
            if state.probing { state.probeTouched = true; return }
            state.sawHeader = true
            switch name.lowercased() {
            case "content-disposition": state.disposition = value
            case "content-type": state.contentType = value.trimmingSpaces()
            default: break
            }
        }
        parser.onBody = { buffer in
            if state.probing { state.probeTouched = true; return }
            let count = buffer.readableBytes
            if state.body.count + count > partLimit {
                if state.overflowPart == nil { state.overflowPart = state.currentPart(nested: nested) }
                return
            }
            buffer.withUnsafeReadableBytes { state.body.append(contentsOf: $0) }
        }
        parser.onPartComplete = {
            if state.probing { state.probeTouched = true; return }
            state.parts.append(state.currentPart(nested: nested))
            state.resetPart()
        }

        var offset = 0
        while offset < body.count {
            let end = min(body.count, offset + feedSize)
            do {
                try parser.execute(ByteBuffer(bytes: body[offset..<end]))
            } catch {
                let at = errorOffset(body, boundary: boundary, chunkStart: offset, chunkEnd: end)
                var where_ = "at byte \(at) of \(what)"
                if at < body.count { where_ += ", found \(Render.bytes(body[at...], count: 1))" }
                let inPart = state.parts.count + 1
                let context = "in the boundary line or headers of part \(inPart)"
                    + (state.parts.last.map { " (after \($0.label))" } ?? "")
                throw IngestError(.malformedMultipart,
                                  "malformed multipart body: syntax error \(where_), \(context)",
                                  causes: ["part headers must be `Name: value` lines ending in CRLF, followed by an empty line; "
                                      + "a boundary line must be followed by CRLF or by `--`"])
            }
            if let part = state.overflowPart {
                throw IngestError(.fileTooLarge,
                                  "\(part.label) of \(what) is larger than the per-file limit of \(Render.size(partLimit))")
            }
            offset = end
        }

        // MultipartKit's parser ignores everything after the closing boundary and reports nothing
        // when the body ends early. Feed a probe that only a parser which saw the closing boundary
        // ignores without a callback or an error; any other state reacts to it.
        state.probing = true
        do { try parser.execute(ByteBuffer(bytes: Array("\r\n--\(boundary)--\r\n".utf8))) } catch { state.probeTouched = true }
        if state.probeTouched {
            if state.parts.isEmpty && !state.sawHeader {
                let opening = Array("--\(boundary)".utf8)
                let found = contains(body, opening)
                throw IngestError(.malformedMultipart,
                                  found ? "malformed multipart: \(what) has no complete part after its opening boundary"
                                        : "malformed multipart: \(what) does not contain its boundary "
                                          + "\(Render.name("--" + boundary)) (the boundary in the Content-Type does not match the body?)",
                                  causes: [found ? "the body ends right after `--\(boundary)` or within the first part's headers"
                                                 : "\(what) is \(Render.size(body.count)), starting \(Render.bytes(body, count: 16))"])
            }
            let last = state.currentPart(nested: nested)
            throw IngestError(.malformedMultipart,
                              "malformed multipart: \(what) ends without its closing boundary "
                                  + "\(Render.name("--" + boundary + "--")) (truncated upload?); it ended in \(last.label)",
                              causes: ["\(state.parts.count) complete part(s) before the end"])
        }
        return state.parts
    }

    /// The exact offset of the byte the parser rejected: re-runs a fresh parser (no callbacks)
    /// up to the failing feed, then through it byte by byte. Only runs on the error path.
    static func errorOffset(_ body: [UInt8], boundary: String, chunkStart: Int, chunkEnd: Int) -> Int {
        let parser = MultipartParser(boundary: boundary)
        if chunkStart > 0 {
            do { try parser.execute(ByteBuffer(bytes: body[0..<chunkStart])) } catch { return chunkStart }
        }
        var offset = chunkStart
        while offset < chunkEnd {
            do { try parser.execute(ByteBuffer(bytes: body[offset..<offset + 1])) } catch { return offset }
            offset += 1
        }
        return chunkEnd
    }

    /// The offset of a byte >= 0x80 in a part header name, if any.
    ///
    /// MultipartKit 4.7.1's parser checks header-name bytes against a 128-entry table and traps
    /// (index out of range) on any byte >= 0x80: one such byte in an upload would crash the
    /// server. This scan runs first and finds every such byte the parser could reach: the parser
    /// reads header names only in the lines that follow `--<boundary>` CRLF (after the opening
    /// boundary or a delimiter), up to the first empty line, each name ending at `:`. It checks
    /// every occurrence of `--<boundary>` CRLF in the body (a superset of the ones the parser
    /// acts on) and follows the lines as the parser would, stopping where the parser would
    /// throw on its own.
    static func nonASCIIHeaderNameByte(_ body: [UInt8], boundary: String) -> Int? {
        let marker = Array("--\(boundary)\r\n".utf8)
        let count = body.count
        guard count >= marker.count else { return nil }
        return body.withUnsafeBufferPointer { bytes -> Int? in
            var start = 0
            while start <= count - marker.count {
                guard bytes[start] == marker[0], bytes[start + 1] == marker[1],
                      bytes[(start + 2)..<(start + marker.count)].elementsEqual(marker[2...]) else {
                    start += 1
                    continue
                }
                var i = start + marker.count
                lines: while i < count, bytes[i] != 0x0D {
                    // The name: up to ':' (the parser throws on CR or a disallowed ASCII byte).
                    var nameLength = 0
                    while i < count {
                        let b = bytes[i]
                        if b >= 0x80 { return i }
                        if b == UInt8(ascii: ":") && nameLength > 0 { break }
                        if b == 0x0D || b == UInt8(ascii: ":") || b <= 0x20 || b == 0x7F { break lines }
                        nameLength += 1
                        i += 1
                    }
                    // The value: anything up to CR, which must be followed by LF.
                    while i < count, bytes[i] != 0x0D { i += 1 }
                    guard i + 1 < count, bytes[i + 1] == 0x0A else { break }
                    i += 2
                }
                start += marker.count
            }
            return nil
        }
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        firstIndex(of: needle, in: haystack) != nil
    }

    static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        let first = needle[0]
        var i = 0
        while i <= haystack.count - needle.count {
            if haystack[i] == first, haystack[i..<i + needle.count].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    /// The boundary of a body that is itself multipart: its first non-empty line is `--<boundary>`
    /// (old Electron on Linux sends the whole form inside `upload_file_minidump`).
    static func nestedBoundary(_ bytes: [UInt8]) -> String? {
        var start = 0
        while start < bytes.count, bytes[start] == 0x0D || bytes[start] == 0x0A { start += 1 }
        guard bytes.count - start > 2, bytes[start] == UInt8(ascii: "-"), bytes[start + 1] == UInt8(ascii: "-") else {
            return nil
        }
        var end = start + 2
        while end < bytes.count, end - start < 260, bytes[end] != 0x0D, bytes[end] != 0x0A { end += 1 }
        guard end > start + 2, let line = String(validating: bytes[(start + 2)..<end], as: UTF8.self) else { return nil }
        return line
    }

    private final class ParseState {
        var parts: [FormPart] = []
        var disposition: String?
        var contentType: String?
        var body: [UInt8] = []
        var sawHeader = false
        var overflowPart: FormPart?
        var probing = false
        var probeTouched = false

        func currentPart(nested: Bool) -> FormPart {
            let (name, fileName) = disposition.map(HeaderValues.disposition) ?? (nil, nil)
            return FormPart(index: parts.count + 1, name: name, fileName: fileName, contentType: contentType,
                            body: body, nested: nested)
        }

        func resetPart() {
            disposition = nil
            contentType = nil
            body = []
        }
    }
}
