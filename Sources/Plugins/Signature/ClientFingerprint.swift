import CrashpipeCore

/// The client's `fingerprint` (Sentry's event field): a list of strings that decides the group
/// instead of the stack. An entry `{{ default }}` stands for the signature crashpipe computed,
/// so `["{{ default }}", "checkout"]` splits the usual group by a value of the client's, and
/// `["{{ default }}"]` alone groups exactly as no fingerprint would.
///
/// Numbers and booleans count as their text (Sentry does the same); anything else, an empty
/// list or a value that is not a list leaves the fingerprint out, with a remark.
public enum ClientFingerprint {
    public enum Reading: Sendable, Hashable {
        /// No `fingerprint` field.
        case absent
        case entries([String])
        /// A field that cannot be used, and why.
        case unusable(String)
    }

    /// Reads `fingerprint` from the client's event data.
    public static func read(_ event: JSONObject) -> Reading {
        guard let value = event["fingerprint"] else { return .absent }
        if case .null = value { return .absent }
        guard case .array(let items) = value else {
            return .unusable("the client's fingerprint is not a list; grouping by stack")
        }
        var entries: [String] = []
        for item in items {
            switch item {
            case .string(let text): entries.append(text)
            case .int(let number): entries.append(String(number))
            case .double(let number): entries.append(String(number))
            case .bool(let flag): entries.append(flag ? "True" : "False")
            default:
                return .unusable("the client's fingerprint holds a value that is not a string; grouping by stack")
            }
        }
        guard !entries.isEmpty else { return .unusable("the client's fingerprint is empty; grouping by stack") }
        return .entries(entries)
    }

    /// Whether `entry` is the `{{ default }}` placeholder (spaces inside the braces optional).
    public static func isDefault(_ entry: String) -> Bool {
        let trimmed = entry.trimmingSpaces
        guard trimmed.hasPrefix("{{"), trimmed.hasSuffix("}}"), trimmed.count >= 4 else { return false }
        return String(trimmed.dropFirst(2).dropLast(2)).trimmingSpaces == "default"
    }

    /// The signature for `entries`, with `{{ default }}` replaced by `computed`'s frames (or its
    /// title, when it has none).
    public static func apply(_ entries: [String], to computed: CrashSignature) -> CrashSignature {
        var values: [String] = []
        for entry in entries {
            if isDefault(entry) {
                values += computed.frames.isEmpty ? [computed.title] : computed.frames
            } else {
                values.append(entry)
            }
        }
        return SignatureGenerator.make(values, fromFingerprint: true)
    }
}

extension String {
    var trimmingSpaces: String {
        var slice = self[...]
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}
