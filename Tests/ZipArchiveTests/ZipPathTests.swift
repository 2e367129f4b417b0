@testable import CrashpipeIngest
import Testing

/// Entry names that could reach outside a target folder are refused, naming the entry and why.
struct ZipPathTests {
    /// An archive of `good.txt` then an entry named `name`: the error opening it, which must
    /// name the entry and the offset of its central directory record.
    func refusal(of name: [UInt8]) -> ZipError? {
        var builder = ZipBuilder()
        builder.add("good.txt", Array("fine".utf8))
        builder.add(name: name, Array("payload".utf8))
        let error = openError(builder.bytes)
        let record = Locate.central(String(decoding: name, as: UTF8.self), in: builder.bytes)
        #expect(error?.reason == .unsafePath)
        #expect(error?.entryIndex == 1)
        #expect(error?.offset == record)
        #expect(error?.description.hasPrefix("entry `\(ZipReader.display(String(decoding: name, as: UTF8.self)))` at offset \(record): ") == true)
        return error
    }

    @Test(arguments: [
        ("../evil", "the name has a `..` component"),
        ("a/../../b", "the name has a `..` component"),
        ("..", "the name has a `..` component"),
        ("dir/..", "the name has a `..` component"),
        ("..\\evil", "the name has a `..` component"),
        ("a\\..\\..\\b", "the name has a `..` component"),
        ("/etc/passwd", "the name is an absolute path"),
        ("\\windows\\system32", "the name is an absolute path"),
        ("\\\\server\\share\\x", "the name is an absolute path"),
        ("C:\\x", "the name starts with a drive letter"),
        ("c:/x", "the name starts with a drive letter"),
        ("z:", "the name starts with a drive letter"),
        ("", "the name is empty"),
    ])
    func unsafeNamesAreRefused(name: String, what: String) {
        #expect(refusal(of: Array(name.utf8))?.what == what)
    }

    @Test func theRefusalsNameTheEntry() throws {
        let error = try #require(refusal(of: Array("../evil".utf8)))
        #expect(error.entry == "../evil")
        #expect(error.description == "entry `../evil` at offset \(error.offset ?? -1): the name has a `..` component")
    }

    @Test func nulBytesInNamesAreRefused() {
        let error = refusal(of: Array("evil.sym\u{0}.txt".utf8))
        #expect(error?.entry == "evil.sym\\x00.txt")
        #expect(error?.what == "the name contains a NUL byte")
    }

    @Test(arguments: ["a/..b/c..", "...", "..a", "dir/", "a//b", "./a", "x/./y", "C", "1:x", "ä:x", "weird:name"])
    func namesThatOnlyLookOddAreAccepted(_ name: String) throws {
        var builder = ZipBuilder()
        builder.add(name, [7])
        #expect(try ZipArchive(bytes: builder.bytes).entries.map(\.path) == [name])
    }

    /// The same refusals for names edited into a fixture (same length, so nothing moves).
    @Test(arguments: [("../DME.txt", "the name has a `..` component"), ("/EADME.txt", "the name is an absolute path"),
                      ("C:\\DME.txt", "the name starts with a drive letter"), ("..\\DME.txt", "the name has a `..` component"),
                      ("README\u{0}txt", "the name contains a NUL byte")])
    func unsafeNamesEditedIntoAFixture(name: String, what: String) throws {
        let raw = Array(name.utf8)
        try #require(raw.count == 10)
        let bytes = edited(.stored) { b in
            let record = Locate.central("README.txt", in: b)
            b.replaceSubrange((record + 46) ..< (record + 56), with: raw)
        }
        let error = openError(bytes)
        #expect(error?.reason == .unsafePath)
        #expect(error?.description == "entry `\(ZipReader.display(name))` at offset 565: \(what)")
    }
}
