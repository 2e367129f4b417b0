import Foundation

/// Paths of the test data in `Tests/Fixtures/`, found from this source file's location so the
/// tests run from any working directory on a fresh clone.
public enum Fixtures {
    /// `Tests/Fixtures`.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()   // Support
        .deletingLastPathComponent()   // Tests
        .appendingPathComponent("Fixtures")

    /// The repository root.
    /// The built `crashpipe` executable beside the test binary (tests that run it as a user
    /// would). On macOS the tests run inside an .xctest bundle; the products are beside it.
    public static let crashpipeExecutable: String = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while directory.path != "/" && !FileManager.default.fileExists(atPath: directory.appendingPathComponent("crashpipe").path) {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("crashpipe").path
    }()

    public static let repository: URL = root.deletingLastPathComponent().deletingLastPathComponent()

    /// The absolute path of a fixture given relative to `Tests/Fixtures`.
    public static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }

    /// The bytes of a fixture.
    public static func bytes(_ relative: String) throws -> [UInt8] {
        Array(try Data(contentsOf: root.appendingPathComponent(relative)))
    }

    /// The parsed JSON of a fixture.
    public static func json(_ relative: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent(relative)))
    }
}
