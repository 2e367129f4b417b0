import CrashpipeCore

/// What one scrub changed, for the stage's note (counts only: a note never carries the data).
public struct ScrubCounts: Sendable, Hashable {
    /// Values replaced whole (a sensitive key, or text holding a secret).
    public var values = 0
    /// User names replaced in paths.
    public var userNames = 0
    /// IP addresses replaced.
    public var ipAddresses = 0

    public init() {}
}

/// The rules of the `scrub.defaults` stage over strings, key-value maps and JSON.
public struct Scrubber: Sendable {
    public var keys: SensitiveKeys
    /// What a secret value becomes (Sentry's `[Filtered]`).
    public var replacement: String
    public var ipAddresses: Bool
    public var paths: Bool

    public init(keys: SensitiveKeys = SensitiveKeys(), replacement: String = "[Filtered]", ipAddresses: Bool = false,
                paths: Bool = true) {
        self.keys = keys
        self.replacement = replacement
        self.ipAddresses = ipAddresses
        self.paths = paths
    }

    /// A value of any field: replaced whole when it holds a secret, else with user names in
    /// paths (and IP addresses, when enabled) replaced.
    public func text(_ value: String, _ counts: inout ScrubCounts) -> String {
        guard !value.isEmpty, value != replacement else { return value }
        let bytes = Array(value.utf8)
        if SecretText.containsSecret(bytes, keys: keys) {
            counts.values += 1
            return replacement
        }
        return personalData(bytes, value, &counts)
    }

    /// Text that is never replaced whole (notes): user names and IP addresses only.
    public func personalData(_ value: String, _ counts: inout ScrubCounts) -> String {
        personalData(Array(value.utf8), value, &counts)
    }

    private func personalData(_ bytes: [UInt8], _ value: String, _ counts: inout ScrubCounts) -> String {
        var out = bytes
        var changed = false
        if paths {
            let (redacted, n) = UserPaths.redact(out)
            if n > 0 { out = redacted; counts.userNames += n; changed = true }
        }
        if ipAddresses {
            let (redacted, n) = IPAddresses.redact(out, replacement: Array(replacement.utf8))
            if n > 0 { out = redacted; counts.ipAddresses += n; changed = true }
        }
        return changed ? String(decoding: out, as: UTF8.self) : value
    }

    /// The value of the field `key`: replaced whole when the key is sensitive.
    public func value(_ value: String, key: String, _ counts: inout ScrubCounts) -> String {
        if keys.matches(key), !value.isEmpty, value != replacement {
            counts.values += 1
            return replacement
        }
        return text(value, &counts)
    }

    public func dictionary(_ map: [String: String], _ counts: inout ScrubCounts) -> [String: String] {
        var result: [String: String] = [:]
        for key in map.keys.sorted() { result[key] = value(map[key]!, key: key, &counts) }
        return result
    }

    /// A JSON object: values of sensitive keys replaced whole (objects and lists too), every
    /// other string scrubbed as text, recursively.
    public func object(_ object: JSONObject, _ counts: inout ScrubCounts) -> JSONObject {
        var result = JSONObject()
        for (key, value) in object {
            result[key] = keyed(value, key: key, &counts)
        }
        return result
    }

    public func json(_ value: JSONValue, _ counts: inout ScrubCounts) -> JSONValue {
        switch value {
        case .string(let s):
            return .string(text(s, &counts))
        case .object(let o):
            return .object(object(o, &counts))
        case .array(let items):
            // Sentry's pair form of tags and headers: `[["Authorization", "..."], ...]`.
            let pairs = !items.isEmpty && items.allSatisfy { item in
                if case .array(let pair) = item, pair.count == 2, case .string = pair[0] { return true }
                return false
            }
            if pairs {
                return .array(items.map { item in
                    guard case .array(let pair) = item, case .string(let key) = pair[0] else { return item }
                    return .array([pair[0], keyed(pair[1], key: key, &counts)])
                })
            }
            return .array(items.map { json($0, &counts) })
        case .null, .bool, .int, .double:
            return value
        }
    }

    private func keyed(_ value: JSONValue, key: String, _ counts: inout ScrubCounts) -> JSONValue {
        if keys.matches(key) {
            switch value {
            case .null: return value
            case .string(let s) where s.isEmpty || s == replacement: return value
            default:
                counts.values += 1
                return .string(replacement)
            }
        }
        return json(value, &counts)
    }

    /// A command line: each argument as text, and the argument after a sensitive flag
    /// (`--password hunter2`, `/token abc`) replaced whole.
    public func commandLine(_ arguments: [String], _ counts: inout ScrubCounts) -> [String] {
        var result: [String] = []
        var hideNext = false
        for argument in arguments {
            if hideNext {
                hideNext = false
                if argument != replacement { counts.values += 1 }
                result.append(replacement)
                continue
            }
            let scrubbed = text(argument, &counts)
            result.append(scrubbed)
            let isFlag = argument.hasPrefix("-") || argument.hasPrefix("/")
            if scrubbed == argument, isFlag, !argument.contains("="), !argument.contains(":"),
               !argument.dropFirst().contains("/"), keys.matches(argument) {
                hideNext = true
            }
        }
        return result
    }
}
