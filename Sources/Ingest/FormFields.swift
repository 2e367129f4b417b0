import CrashpipeCore

/// What the form's parts other than the minidump become.
struct FormAssembly {
    var extra = JSONObject()
    var event = JSONObject()
    var attachments: [IngestedAttachment] = []
    var problems: [String] = []
}

/// Turns form parts into `extra`, the `sentry` event data and attachments (INGEST.md, "Form
/// fields"). The rules, in the order they are tried on each part:
///
/// 1. A part with a file name is an attachment (never a field), as is a part with a file name
///    but no field name (field `""`) and a second `upload_file_minidump`. A part with neither
///    a field name nor a file name is dropped and noted.
/// 2. `sentry` and `sentry___<namespace>`: a JSON object merged into the event.
/// 3. `sentry__<n>` (`n` decimal digits): a chunk of one JSON document; the chunks are joined in
///    numeric order of `n` (whatever order they arrive in) and the document merged.
/// 4. `sentry[a][b]...`: a string value at that path of the event; more than `maxDepth` keys is
///    refused (400). A name that starts `sentry[` but is not a well-formed bracket path is kept
///    as an `extra` field and noted.
/// 5. Anything else: `extra[name] = value` (a string; invalid UTF-8 is replaced and noted).
///
/// **Which source wins.** Every source takes the position of its field in the upload (the outer
/// form's parts in order, then a nested form's parts in order); the chunked document takes the
/// position of the first `sentry__<n>` part that appears. Sources are merged in that order with
/// `JSONObject.mergeKeepingExisting`: the first source to set a key keeps it, nested objects
/// are merged key by key. A field name repeated in `extra` likewise keeps its first value, and
/// a repeated chunk index keeps its first chunk; both are noted. Invalid JSON (or JSON that is
/// not an object, or nests deeper than `jsonMaxDepth`) is ignored and noted, never fatal.
enum FormFields {
    private enum Source {
        case json(label: String, bytes: [UInt8])
        case bracket(path: [String], value: String)
        case chunks
    }

    static func assemble(_ parts: [FormPart], limits: IngestLimits) throws(IngestError) -> FormAssembly {
        var result = FormAssembly()
        var sources: [Source] = []
        var chunks: [Int: (bytes: [UInt8], label: String)] = [:]

        for part in parts {
            if part.fileName != nil || part.name == nil || part.name == Ingest.minidumpField {
                guard part.fileName != nil else {
                    result.problems.append("\(part.label) has no field name and no file name; its \(Render.size(part.body.count)) were dropped")
                    continue
                }
                let info = Submission.Attachment(field: part.name ?? "", fileName: part.fileName,
                                                 contentType: part.contentType, size: part.body.count)
                result.attachments.append(IngestedAttachment(info: info, bytes: part.body))
                if part.name == nil { result.problems.append("\(part.label) has no field name; kept as an attachment") }
                continue
            }
            let name = part.name!
            if name == "sentry" || name.hasPrefix("sentry___") {
                sources.append(.json(label: "field \(Render.name(name)) (\(part.label))", bytes: part.body))
            } else if let index = chunkIndex(name) {
                if chunks[index] != nil {
                    result.problems.append("\(part.label) repeats chunk index \(index); the first chunk with that index is kept")
                    continue
                }
                if chunks.isEmpty { sources.append(.chunks) }
                chunks[index] = (part.body, part.label)
            } else if name.hasPrefix("sentry[") {
                guard let path = bracketPath(name) else {
                    result.problems.append("field \(Render.name(name)) is not a well-formed `sentry[key][key]...` name; kept in extra")
                    addExtra(name, part, to: &result)
                    continue
                }
                if path.count > limits.maxDepth {
                    throw IngestError(.nestingTooDeep,
                                      "form field \(Render.name(name)) (\(part.label)) nests \(path.count) levels; at most \(limits.maxDepth) are accepted")
                }
                sources.append(.bracket(path: path, value: text(part, problems: &result.problems)))
            } else {
                addExtra(name, part, to: &result)
            }
        }

        for source in sources {
            switch source {
            case .json(let label, let bytes):
                if let object = jsonObject(bytes, label: label, limits: limits, problems: &result.problems) {
                    result.event.mergeKeepingExisting(object)
                }
            case .bracket(let path, let value):
                var object = JSONObject()
                var leaf = JSONValue.string(value)
                for key in path.dropFirst().reversed() { leaf = .object(JSONObject([(key, leaf)])) }
                object[path[0]] = leaf
                result.event.mergeKeepingExisting(object)
            case .chunks:
                let ordered = chunks.keys.sorted()
                var joined: [UInt8] = []
                for index in ordered { joined += chunks[index]!.bytes }
                let label = "the \(ordered.count) chunk(s) `sentry__\(ordered.first!)`…`sentry__\(ordered.last!)` joined"
                if let object = jsonObject(joined, label: label, limits: limits, problems: &result.problems) {
                    result.event.mergeKeepingExisting(object)
                }
            }
        }
        return result
    }

    private static func addExtra(_ name: String, _ part: FormPart, to result: inout FormAssembly) {
        let value = text(part, problems: &result.problems)
        if result.extra[name] != nil {
            result.problems.append("field \(Render.name(name)) appears more than once; the first value is kept (\(part.label) dropped)")
        } else {
            result.extra[name] = .string(value)
        }
    }

    /// The part's value as a string; invalid UTF-8 is replaced with U+FFFD and noted.
    private static func text(_ part: FormPart, problems: inout [String]) -> String {
        if let valid = String(validating: part.body, as: UTF8.self) { return valid }
        problems.append("\(part.label) is not valid UTF-8; invalid bytes were replaced with U+FFFD")
        return String(decoding: part.body, as: UTF8.self)
    }

    private static func jsonObject(_ bytes: [UInt8], label: String, limits: IngestLimits,
                                   problems: inout [String]) -> JSONObject? {
        do {
            let value = try StrictJSON.parse(bytes, maxDepth: limits.jsonMaxDepth)
            guard case .object(let object) = value else {
                problems.append("\(label) is JSON but not an object (\(kind(of: value))); ignored")
                return nil
            }
            return object
        } catch {
            problems.append("\(label) is not valid JSON (\(error)); ignored")
            return nil
        }
    }

    private static func kind(of value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// `n` of `sentry__<n>` (decimal digits only; `sentry___...` is a namespace, not a chunk).
    static func chunkIndex(_ name: String) -> Int? {
        guard name.hasPrefix("sentry__") else { return nil }
        let rest = name.utf8.dropFirst(8)
        guard !rest.isEmpty, rest.count <= 18, rest.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int(String(decoding: rest, as: UTF8.self))
    }

    /// The keys of `sentry[a][b]...`: `[a, b]`; nil unless the name is `sentry` followed by one
    /// or more `[...]` groups and nothing else. A key may be empty or hold `[`, never `]`.
    static func bracketPath(_ name: String) -> [String]? {
        var rest = Substring(name).dropFirst(6)  // "sentry"
        var path: [String] = []
        while !rest.isEmpty {
            guard rest.first == "[", let close = rest.firstIndex(of: "]") else { return nil }
            path.append(String(rest[rest.index(after: rest.startIndex)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return path.isEmpty ? nil : path
    }
}
