import Bundled
import CrashpipeCore
import Microdump
import TestSupport
import Testing

/// The bundled plugins' registry, built once for the microdump tests.
let bundledRegistry: PluginRegistry = {
    do { return try Bundled.registry() } catch { fatalError("bundled plugins failed to register: \(error)") }
}()

/// Reads `text` as a microdump with the bundled context formats.
func parseMicrodump(_ text: String) throws(ParseError) -> Microdump {
    try Microdump(ByteView(Array(text.utf8)), contexts: bundledRegistry.contextFormats)
}

/// A small, valid ARM microdump written line by line, to be broken one line at a time.
///
/// Line numbers (1-based, as errors give them): 1 BEGIN, 2 V, 3 O, 4 P, 5 R, 6 G, 7 S 0,
/// 8 and 9 stack bytes, 10 C, 11 and 12 M, 13 END.
struct SynthMicrodump {
    /// What each line starts with (a logcat prefix), or "" for a bare microdump.
    var prefix = "W/google-breakpad( 3745): "
    var lineEnding = "\n"
    var lines: [String]

    static let appId = "DA7778FB66018A4E9B4110ED06E730D00"
    static let libId = "56B149396A4DAF176E26B4A85DA87BF30"

    /// 64 stack bytes at 0x1000: the words 0x1000, 0x1004, ... (little-endian).
    static let stackBytes: [UInt8] = (0..<16).flatMap { i -> [UInt8] in
        let word = UInt32(0x1000 + 4 * i)
        return [UInt8(word & 0xff), UInt8(word >> 8 & 0xff), UInt8(word >> 16 & 0xff), UInt8(word >> 24)]
    }

    static let registers: [String: UInt64] = ["r0": 0x11, "r4": 0x44, "r11": 0x1030, "sp": 0x1010,
                                              "lr": 0x400123, "pc": 0x400456, "cpsr": 0x10]

    init(prefix: String = "W/google-breakpad( 3745): ") {
        self.prefix = prefix
        let context = SynthContext.arm(Self.registers).contents()
        lines = [
            "-----BEGIN BREAKPAD MICRODUMP-----",
            "V Chrome_Android:54.0.2790.0",
            "O A arm 04 armv7l Android/hammerhead/7.1.1",
            "P renderer",
            "R 0000000B SIGSEGV 00000010",
            "G OpenGL ES 3.2|ARM|Mali-G71",
            "S 0 00001010 00001000 00000040",
            "S 00001000 " + hex(Array(Self.stackBytes[0..<32])),
            "S 00001020 " + hex(Array(Self.stackBytes[32..<64])),
            "C " + hex(context),
            "M 00400000 00000000 00010000 \(Self.appId) app_process",
            "M 00500000 00000000 00002000 \(Self.libId) libfoo.so",
            "-----END BREAKPAD MICRODUMP-----",
        ]
    }

    var text: String { lines.map { prefix + $0 }.joined(separator: lineEnding) + lineEnding }

    /// A copy with line `number` (1-based) replaced.
    func replacing(_ number: Int, with line: String) -> SynthMicrodump {
        var copy = self
        copy.lines[number - 1] = line
        return copy
    }

    /// A copy without line `number`.
    func removing(_ number: Int) -> SynthMicrodump {
        var copy = self
        copy.lines.remove(at: number - 1)
        return copy
    }

    /// A copy with `line` inserted to become line `number`.
    func inserting(_ line: String, at number: Int) -> SynthMicrodump {
        var copy = self
        copy.lines.insert(line, at: number - 1)
        return copy
    }
}

/// Upper-case hex of `bytes`, as the writer prints them.
func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String($0 >> 4, radix: 16, uppercase: true) + String($0 & 0xf, radix: 16, uppercase: true) }.joined()
}
