import CrashpipeCore
import Foundation
import Testing

struct JSONValueTests {
    @Test func objectsKeepKeyOrderAndReplaceInPlace() throws {
        var object = JSONObject([("b", .int(1)), ("a", .string("x"))])
        object["c"] = .bool(true)
        object["b"] = .int(2)
        #expect(object.keys == ["b", "a", "c"])
        #expect(object["b"] == .int(2))
        object["a"] = nil
        #expect(object.keys == ["b", "c"])
        // Foundation's encoder does not keep key order on Linux; the values survive.
        let data = try JSONEncoder().encode(JSONValue.object(object))
        let decoded = try JSONDecoder().decode(JSONValue.self, from: data)
        #expect(decoded["b"] == .int(2) && decoded["c"] == .bool(true) && decoded["a"] == nil)
    }

    @Test func firstWinsMergeIsDeep() {
        var first = JSONObject([("release", .string("1.0")), ("tags", .object(JSONObject([("a", .string("1"))])))])
        let second = JSONObject([("release", .string("2.0")), ("environment", .string("prod")),
                                 ("tags", .object(JSONObject([("a", .string("2")), ("b", .string("3"))])))])
        first.mergeKeepingExisting(second)
        #expect(first["release"] == .string("1.0"))
        #expect(first["environment"] == .string("prod"))
        #expect(first["tags"]?["a"] == .string("1"))
        #expect(first["tags"]?["b"] == .string("3"))
    }

    @Test func decodesEveryKindAndMeasuresDepth() throws {
        let text = #"{"n":null,"t":true,"i":-3,"d":1.5,"s":"x","a":[1,[2]],"o":{"k":{}}}"#
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(value["n"] == .null && value["t"] == .bool(true) && value["i"] == .int(-3))
        #expect(value["d"] == .double(1.5) && value["s"]?.stringValue == "x")
        #expect(value["a"] == .array([.int(1), .array([.int(2)])]))
        #expect(value.depth == 3)
    }

    @Test func reportsCarrySubmissionAndSignatureThroughJSON() throws {
        var report = CrashReport(source: "upload")
        report.submission = Submission(eventId: "0123456789abcdef0123456789abcdef", projectId: 1, receivedAt: 5,
                                       extra: JSONObject([("prod", .string("app"))]),
                                       event: JSONObject([("release", .string("1.0.0"))]), problems: ["bad json"])
        report.signature = CrashSignature(title: "a | b", frames: ["a", "b"], hash: "h")
        let decoded = try JSONDecoder().decode(CrashReport.self, from: JSONEncoder().encode(report))
        #expect(decoded.submission == report.submission)
        #expect(decoded.signature == report.signature)
    }
}
