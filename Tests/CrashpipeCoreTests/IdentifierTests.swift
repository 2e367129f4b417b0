import CrashpipeCore
import Testing

struct IdentifierTests {
    @Test func breakpadAndDashedFormsRoundTrip() throws {
        let id = try #require(DebugId("5A9832E5287241C1838ED98914E9B7FF1"))
        #expect(id.age == 1)
        #expect(id.breakpad == "5A9832E5287241C1838ED98914E9B7FF1")
        #expect(id.dashed == "5a9832e5-2872-41c1-838e-d98914e9b7ff-1")
        #expect(DebugId(id.dashed) == id)
        #expect(DebugId("5a9832e5287241c1838ed98914e9b7ff1") == id)
        #expect(DebugId("{5a9832e5-2872-41c1-838e-d98914e9b7ff}")?.age == 0)
        let zeroAge = try #require(DebugId("C0BCC3F19827FE653058404B2831D9E60"))
        #expect(zeroAge.dashed == "c0bcc3f1-9827-fe65-3058-404b2831d9e6")
        #expect(DebugId(String(repeating: "0", count: 32))?.isZero == true)
    }

    @Test func malformedIdsAreRejected() {
        for text in ["", "xyz", "5A9832E5287241C1838ED98914E9B7F", "5A9832E5-2872-41C1-838E", "G" + String(repeating: "0", count: 32),
                     "5a9832e5-2872-41c1-838e-d98914e9b7ff-", String(repeating: "A", count: 41)] {
            #expect(DebugId(text) == nil, "accepted \(text)")
        }
    }

    /// PE: the CodeView RSDS GUID is stored with Data1..Data3 little-endian.
    @Test func peDerivation() throws {
        let stored: [UInt8] = [0xe5, 0x32, 0x98, 0x5a, 0x72, 0x28, 0xc1, 0x41,
                               0x83, 0x8e, 0xd9, 0x89, 0x14, 0xe9, 0xb7, 0xff]
        #expect(DebugId(peGuid: stored, age: 1)?.breakpad == "5A9832E5287241C1838ED98914E9B7FF1")
        #expect(CodeId(peTimestamp: 0x45d35f6c, sizeOfImage: 0x2d000).value == "45d35f6c2d000")
        #expect(CodeId(peTimestamp: 0x5f, sizeOfImage: 0x1000).value == "0000005f1000")
    }

    /// ELF: the first 16 bytes of the build id as a little-endian GUID, age 0 (the example from
    /// the test data's README), zero-padded when the build id is shorter.
    @Test func elfDerivation() throws {
        let buildId = try #require(parseHexBytes("f1c3bcc0279865fe3058404b2831d9e64135386c"))
        #expect(DebugId(elfBuildId: buildId).breakpad == "C0BCC3F19827FE653058404B2831D9E60")
        #expect(CodeId(buildId: buildId)?.value == "f1c3bcc0279865fe3058404b2831d9e64135386c")
        let short = try #require(parseHexBytes("10faa6bbaab83db3"))
        #expect(DebugId(elfBuildId: short).breakpad == "BBA6FA10B8AAB33D00000000000000000")
        #expect(DebugId(elfBuildId: []).isZero)
    }

    /// Mach-O: LC_UUID as it is, age 0.
    @Test func machODerivation() throws {
        let uuid = try #require(parseHexBytes("67e9247c814e392ba027dbde6748fcbf"))
        #expect(DebugId(machoUUID: uuid)?.breakpad == "67E9247C814E392BA027DBDE6748FCBF0")
        #expect(CodeId(machoUUID: uuid)?.value == "67e9247c814e392ba027dbde6748fcbf")
    }

    @Test func pdb20IdsPrintAsSignatureAndAge() throws {
        let id = DebugId(pdb20Signature: 0x3C7C1A3F, age: 2)
        #expect(id.breakpad == "3C7C1A3F2")
        #expect(DebugId("3C7C1A3F2") == id)
    }

    @Test func codeIdsAreLowerCaseHex() {
        #expect(CodeId("45D35F6C2d000")?.value == "45d35f6c2d000")
        #expect(CodeId("") == nil)
        #expect(CodeId("not hex") == nil)
    }
}
