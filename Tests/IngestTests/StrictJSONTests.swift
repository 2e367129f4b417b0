import CrashpipeCore
@testable import CrashpipeIngest
import TestSupport
import Testing

/// The strict JSON reader the `sentry` fields go through: what it accepts, what it refuses and
/// where, and that hostile input neither crashes nor hangs it.
struct StrictJSONTests {
    @Test func readsEveryKindKeepingOrderAndIntegers() throws {
        let value = try StrictJSON.parse(#" {"z":null,"y":true,"x":false,"w":-12,"v":9223372036854775807,"u":1.5e3,"t":"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00","s":[],"r":{},"q":[1,[2,{"k":"v"}]]} "#)
        guard case .object(let object) = value else { Issue.record("not an object"); return }
        #expect(object.keys == ["z", "y", "x", "w", "v", "u", "t", "s", "r", "q"])
        #expect(object["z"] == .null)
        #expect(object["y"] == .bool(true) && object["x"] == .bool(false))
        #expect(object["w"] == .int(-12))
        #expect(object["v"] == .int(Int64.max))
        #expect(object["u"] == .double(1500))
        #expect(object["t"] == .string("a\"b\\c/d\u{08}\u{0C}\n\r\té😀"))
        #expect(object["s"] == .array([]) && object["r"] == .object(JSONObject()))
        #expect(object["q"] == .array([.int(1), .array([.int(2), .object(JSONObject([("k", .string("v"))]))])]))
    }

    @Test func numbersBeyondInt64BecomeDoubles() throws {
        #expect(try StrictJSON.parse("9223372036854775808") == .double(9223372036854775808))
        #expect(try StrictJSON.parse("-0") == .int(0))
        #expect(try StrictJSON.parse("0.1") == .double(0.1))
        #expect(try StrictJSON.parse("1E-2") == .double(0.01))
    }

    @Test func repeatedKeysKeepTheFirstPositionAndTheLastValue() throws {
        let value = try StrictJSON.parse(#"{"a":1,"b":2,"a":3}"#)
        #expect(value.objectValue?.keys == ["a", "b"])
        #expect(value["a"] == .int(3))
    }

    @Test(arguments: [
        ("", "expected a JSON value but found the end of input at byte 0"),
        ("   ", "expected a JSON value but found the end of input at byte 3"),
        (#"{"a":1} x"#, "unexpected 'x' after the JSON value at byte 8"),
        (#"{"a":1}{}"#, "unexpected '{' after the JSON value at byte 7"),
        (#"{"a":1,}"#, "expected a string key but found '}' at byte 7"),
        ("[1,]", "expected a JSON value but found ']' at byte 3"),
        ("{'a':1}", "expected a string key but found ''' at byte 1"),
        (#"{"a" 1}"#, "expected ':' after an object key but found '1' at byte 5"),
        (#"{"a":1"#, "unterminated object: expected ',' or '}' but found the end of input at byte 6"),
        ("[1 2]", "expected ',' or ']' in an array but found '2' at byte 3"),
        (#""abc"#, "unterminated string at byte 0"),
        ("\"a\u{01}b\"", "unescaped control character 0x1 in a string at byte 2"),
        (#""\x""#, "invalid escape '\\x' in a string at byte 1"),
        (#""\u12G4""#, "invalid hex digit in a \\u escape at byte 5"),
        (#""\ud800""#, "lone high surrogate in a \\u escape at byte 1"),
        (#""\ud800\u0041""#, "high surrogate not followed by a low surrogate at byte 1"),
        (#""\udc00""#, "lone low surrogate in a \\u escape at byte 1"),
        ("01", "leading zero in a number at byte 0"),
        ("-", "expected a digit in a number at byte 1"),
        ("1.", "expected a digit after '.' in a number at byte 2"),
        ("1e+", "expected a digit in the exponent of a number at byte 3"),
        ("1e999", "number out of range at byte 0"),
        ("NaN", "expected a JSON value but found 'N' at byte 0"),
        ("tru", "invalid literal at byte 0"),
        ("nul1", "invalid literal at byte 0"),
        ("// c\n{}", "expected a JSON value but found '/' at byte 0"),
        ("+1", "expected a JSON value but found '+' at byte 0"),
    ])
    func refusesWhatRFC8259DoesNotAllow(text: String, message: String) {
        do {
            let value = try StrictJSON.parse(text)
            Issue.record("accepted \(text) as \(value)")
        } catch {
            #expect(error.description == message, "input: \(text)")
        }
    }

    @Test func refusesInvalidUTF8AndBOM() {
        #expect(throws: StrictJSON.Error(offset: 1, message: "invalid UTF-8 in a string")) {
            try StrictJSON.parse([0x22, 0xC3, 0x28, 0x22])
        }
        #expect(throws: StrictJSON.Error(offset: 0, message: "expected a JSON value but found byte 0xEF")) {
            try StrictJSON.parse([0xEF, 0xBB, 0xBF] + Array("{}".utf8))
        }
    }

    @Test func depthIsLimited() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(try StrictJSON.parse(ok).depth == 64)
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: StrictJSON.Error(offset: 64, message: "nesting deeper than 64 levels")) { try StrictJSON.parse(tooDeep) }
        // A hostile depth is refused early, never recursed into.
        let hostile = Array(repeating: UInt8(ascii: "["), count: 1_000_000)
        #expect(throws: StrictJSON.Error(offset: 3, message: "nesting deeper than 3 levels")) { try StrictJSON.parse(hostile, maxDepth: 3) }
        #expect(throws: StrictJSON.Error.self) { try StrictJSON.parse(hostile) }
    }

    @Test func serializeRoundTrips() throws {
        let text = #"{"b":[1,-2.5,"x\"\n\u0001é",true,null],"a":{"c":{}},"d":2.0}"#
        let value = try StrictJSON.parse(text)
        #expect(StrictJSON.serialize(value) == text)
        #expect(try StrictJSON.parse(StrictJSON.serialize(value)) == value)
    }

    /// Random mutations of a valid document: every outcome is a value or an error.
    @Test func mutatedDocumentsNeverCrash() {
        let base = Array(#"{"release":"1.0","tags":{"a":"b"},"list":[1,2.5,-3e2,true,false,null,"\u00e9"]}"#.utf8)
        var rng = SplitMix(state: 0x1234_5678)
        var accepted = 0
        var refused = 0
        for _ in 0..<5000 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[i] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes.remove(at: i)
                default: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: i)
                }
                if bytes.isEmpty { break }
            }
            do {
                let value = try StrictJSON.parse(bytes)
                // What is accepted serializes back to text that parses to the same value.
                #expect(try StrictJSON.parse(StrictJSON.serialize(value)) == value)
                accepted += 1
            } catch {
                #expect(error.offset >= 0 && error.offset <= bytes.count)
                refused += 1
            }
        }
        #expect(accepted > 0 && refused > 0)
        #expect(accepted + refused == 5000)
    }
}
