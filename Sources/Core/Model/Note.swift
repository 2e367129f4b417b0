/// Something a stage wants the reader of a report to know: a stream that could not be read,
/// a stage that failed, a module without symbols. Notes never carry secret data.
public struct Note: Sendable, Codable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Codable, Hashable { case info, warning, error }

    /// The stage that wrote the note ("minidump", "stackwalk").
    public var stage: String
    public var severity: Severity
    /// A short machine-readable kind ("truncated", "stage_failed").
    public var kind: String
    public var message: String

    public init(stage: String, severity: Severity = .warning, kind: String, message: String) {
        self.stage = stage
        self.severity = severity
        self.kind = kind
        self.message = message
    }

    public var description: String { "[\(stage)] \(severity.rawValue) \(kind): \(message)" }
}
