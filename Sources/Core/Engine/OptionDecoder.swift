import Yams

/// Decodes a stage's `with:` mapping into its configuration type, turning every failure into an
/// ``OptionError`` that names the key path, so the loader can point at the exact line.
enum OptionDecoder {
    static func decode<C: StageConfiguration>(_ type: C.Type, from node: Node?) throws -> C {
        let mapping = node ?? Node([(Node, Node)]())
        guard case .mapping(let pairs) = mapping else {
            throw OptionError(path: [], message: "'with' must be a mapping of option names to values")
        }
        // Unknown keys first: a misspelt key would otherwise silently take its default.
        let known = C.options.map(\.name)
        for (key, _) in pairs {
            let name = key.string ?? "\(key)"
            guard known.contains(name) else {
                var message = "unknown option '\(name)'"
                if let guess = closestMatch(to: name, in: known) { message += "; did you mean '\(guess)'?" }
                message += known.isEmpty ? " (this stage takes no options)"
                    : " (known options: \(known.joined(separator: ", ")))"
                throw OptionError(path: [name], message: message, atKey: true)
            }
        }
        do {
            return try YAMLDecoder().decode(C.self, from: mapping)
        } catch let error as DecodingError {
            throw describe(error, options: C.options)
        }
    }

    private static func describe(_ error: DecodingError, options: [OptionSpec]) -> OptionError {
        func keys(_ path: [any CodingKey]) -> [String] {
            path.map { $0.intValue.map(String.init) ?? $0.stringValue }
        }
        func expected(_ path: [String]) -> String {
            guard let first = path.first, let spec = options.first(where: { $0.name == first }) else { return "" }
            return " (expected \(spec.type))"
        }
        switch error {
        case .typeMismatch(_, let context), .dataCorrupted(let context):
            let path = keys(context.codingPath)
            let name = path.isEmpty ? "options" : "option '\(path.joined(separator: "."))'"
            return OptionError(path: path, message: "\(name) has the wrong type or value\(expected(path)): \(context.debugDescription)")
        case .valueNotFound(_, let context):
            let path = keys(context.codingPath)
            return OptionError(path: path, message: "option '\(path.joined(separator: "."))' needs a value\(expected(path))")
        case .keyNotFound(let key, let context):
            let path = keys(context.codingPath)
            return OptionError(path: path, message: "required option '\(key.stringValue)' is missing")
        @unknown default:
            return OptionError(path: [], message: "\(error)")
        }
    }
}
