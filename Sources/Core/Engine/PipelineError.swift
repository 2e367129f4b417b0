import Yams

/// A problem in a pipeline file, with the position it was found at.
public struct PipelineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file (or "<string>" for text given directly).
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public init(file: String, mark: Mark?, _ message: String) {
        self.init(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message)
    }

    /// Composes YAML text into a node tree; a syntax error becomes a positioned error. nil: an
    /// empty document. Used by every YAML file crashpipe reads (pipelines, the server config).
    public static func compose(yaml text: String, file: String) throws(PipelineError) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw syntaxError(error, file: file)
        } catch {
            throw PipelineError(file: file, line: 1, column: 1, message: "\(error)")
        }
    }

    static func syntaxError(_ error: YamlError, file: String) -> PipelineError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
             .composer(_, let problem, let mark, _):
            return PipelineError(file: file, mark: mark, "YAML syntax error: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return PipelineError(file: file, mark: context.mark,
                                 "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", "))")
        case .reader(let problem, let offset, _, let yaml):
            let (line, column) = offset.map { lineColumn(of: $0, in: yaml) } ?? (1, 1)
            return PipelineError(file: file, line: line, column: column, message: "cannot read the text: \(problem)")
        default:
            return PipelineError(file: file, line: 1, column: 1, message: "YAML error: \(error)")
        }
    }

    private static func lineColumn(of offset: Int, in text: String) -> (Int, Int) {
        var line = 1, column = 1
        for (i, byte) in text.utf8.enumerated() {
            if i >= offset { break }
            if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else { column += 1 }
        }
        return (line, column)
    }

    /// `file:line:column: message`, the form editors and CI logs link.
    public var description: String { "\(file):\(line):\(column): \(message)" }
}

/// A problem decoding a stage's options, before the file position is known.
struct OptionError: Error {
    /// Path of keys/indices from the `with:` mapping to the bad value.
    var path: [String]
    var message: String
    /// Point at the key itself (an unknown key) rather than at its value.
    var atKey = false
}

/// Suggests the candidate closest to `word` when it is close enough to be a likely typo.
public func closestMatch(to word: String, in candidates: [String]) -> String? {
    let scored = candidates.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }
    guard let best = scored.min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }) else { return nil }
    let limit = max(2, word.count / 3)
    return best.1 <= limit ? best.0 : nil
}

/// Levenshtein distance between two strings, by Unicode scalar.
public func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var previous = Array(0...y.count)
    var current = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        current[0] = i
        for j in 1...y.count {
            let cost = x[i - 1] == y[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        }
        swap(&previous, &current)
    }
    return previous[y.count]
}
