import CrashpipeCore

extension MinidumpContents {
    /// Stream types beyond the core ones, appended to ``streamTypes``.
    static let additionalStreamTypes: [any MinidumpStream.Type] = []
}

extension MinidumpReport {
    /// Copies what the additional streams know into the report (thread names, unloaded
    /// modules, assertion, annotations, Linux details).
    static func fillExtensions(_ report: inout CrashReport, from contents: MinidumpContents, stage: String) {
    }
}
