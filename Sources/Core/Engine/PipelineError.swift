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

    init(file: String, mark: Mark?, _ message: String) {
        self.init(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message)
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
