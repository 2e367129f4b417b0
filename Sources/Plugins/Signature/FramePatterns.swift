import Foundation

/// A list of regular expressions over normalized frame names, as in Socorro's siglists: a
/// pattern matches when it matches at the *start* of the name (Python's `re.match`), so
/// `je_` covers every jemalloc function and `abort$` only `abort` itself.
///
/// The syntax is ICU's (`NSRegularExpression`), which reads Socorro's lists as written.
public struct FramePatterns: Sendable {
    /// The patterns as given, in order.
    public let sources: [String]
    private let expressions: [NSRegularExpression]

    /// Compiles `patterns`; the first one that does not compile is an ``InvalidPattern``.
    public init(_ patterns: [String]) throws(InvalidPattern) {
        var expressions: [NSRegularExpression] = []
        for (index, pattern) in patterns.enumerated() {
            guard !pattern.isEmpty else {
                throw InvalidPattern(index: index, pattern: pattern, reason: "an empty pattern matches every frame")
            }
            do {
                expressions.append(try NSRegularExpression(pattern: pattern))
            } catch {
                throw InvalidPattern(index: index, pattern: pattern, reason: Self.explain(pattern))
            }
        }
        self.sources = patterns
        self.expressions = expressions
    }

    /// Whether any pattern matches at the start of `name`.
    public func matches(_ name: String) -> Bool {
        let range = NSRange(name.startIndex..., in: name)
        return expressions.contains { $0.firstMatch(in: name, options: [.anchored], range: range) != nil }
    }

    /// Why a pattern does not compile. ICU's error says only "invalid"; Swift's regex parser
    /// (a near relative of ICU's syntax) usually says what is wrong and where.
    private static func explain(_ pattern: String) -> String {
        do {
            _ = try Regex(pattern)
            return "not a valid ICU regular expression"
        } catch {
            return "\(error)"
        }
    }
}

/// A pattern that does not compile, with its position in its list.
public struct InvalidPattern: Error, Sendable, CustomStringConvertible {
    public var index: Int
    public var pattern: String
    public var reason: String

    public var description: String { "invalid regular expression '\(pattern)': \(reason)" }
}
