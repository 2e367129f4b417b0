// The same line protocol as oracle.rs, for crashpipe's demangler: compiled by make-fixtures.sh
// together with Sources/Plugins/DemangleRust/*.swift (without the CrashpipeCore-facing file).
import Foundation

@main enum DemangleLines {
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "\t", with: "\\t")
    }

    static func main() {
        var output = ""
        while let line = readLine(strippingNewline: true) {
            var symbol = line
            let forms = symbol.withUTF8 {
                (RustSymbol.demangle($0, alternate: false), RustSymbol.demangle($0, alternate: true))
            }
            if let display = forms.0, let alternate = forms.1 {
                output += "OK\t\(escape(display))\t\(escape(alternate))\n"
            } else {
                output += "ERR\n"
            }
            if output.utf8.count > 1 << 20 {
                FileHandle.standardOutput.write(Data(output.utf8))
                output = ""
            }
        }
        FileHandle.standardOutput.write(Data(output.utf8))
    }
}
