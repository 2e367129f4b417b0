import CrashpipeCore
import Testing

/// The ParseError a debug-file format throws for `bytes`; records a test issue (at the
/// caller's line) when it throws nothing or something else.
public func debugFileParseError(_ format: any DebugFileFormat, _ bytes: [UInt8],
                                sourceLocation: SourceLocation = #_sourceLocation) -> ParseError? {
    do {
        _ = try format.objects(in: ByteView(bytes))
        Issue.record("expected a ParseError", sourceLocation: sourceLocation)
        return nil
    } catch let error as ParseError {
        return error
    } catch {
        Issue.record("not a ParseError: \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
