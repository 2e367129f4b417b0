/// Replaces user names in home-directory paths with `[user]`, keeping the rest of the path
/// (module, source and crash-reporter paths stay useful):
///
/// - `/home/alice/...` → `/home/[user]/...` and `/Users/alice/...` → `/Users/[user]/...`, in any
///   case, also deeper in a path (`/usr/local/google/home/alice/`), but not in the path of a
///   URL with a host (`https://example.com/home/index.html`);
/// - `C:\Users\alice\...`, `c:/users/alice/...` and `C:\Documents and Settings\alice\...`
///   (any drive letter, any case; Windows user names may hold spaces, so the name runs to the
///   next separator or quote).
///
/// The shared profile folders (`Shared`, `Public`, `Default`, `All Users`, `Default User`) are
/// not user names and stay.
public enum UserPaths {
    public static let marker = Array("[user]".utf8)

    static let posixHomes = ["/home/", "/users/"].map { Array($0.utf8) }
    static let windowsHomes = ["users", "documents and settings"].map { Array($0.utf8) }
    static let sharedFolders: Set<[UInt8]> = Set(["shared", "public", "default", "all users", "default user",
                                                   "[user]"].map { Array($0.utf8) })

    /// `text` with user names replaced, and how many were.
    public static func redact(_ text: [UInt8]) -> ([UInt8], Int) {
        guard mayHoldHome(text) else { return (text, 0) }
        let lower = text.map(asciiLower)
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var count = 0
        var i = 0
        while i < text.count {
            if let (prefixEnd, nameEnd) = home(at: i, lower) {
                let name = Array(lower[prefixEnd..<nameEnd])
                out += text[i..<prefixEnd]
                if sharedFolders.contains(name) {
                    out += text[prefixEnd..<nameEnd]
                } else {
                    out += marker
                    count += 1
                }
                i = nameEnd
            } else {
                out.append(text[i])
                i += 1
            }
        }
        return (out, count)
    }

    /// A quick test without copying: a separator followed by `home/`, `users` or `documents`
    /// in any case.
    static func mayHoldHome(_ text: [UInt8]) -> Bool {
        var i = 0
        let end = text.count - 5
        while i < end {
            if isSeparator(text[i]) {
                switch text[i + 1] | 0x20 {
                case UInt8(ascii: "h"), UInt8(ascii: "u"), UInt8(ascii: "d"):
                    if followedByFolder(text, i + 1) { return true }
                default: break
                }
            }
            i += 1
        }
        return false
    }

    static let folderStarts = ["home/", "users", "documents"].map { Array($0.utf8) }

    static func followedByFolder(_ text: [UInt8], _ start: Int) -> Bool {
        folderStarts.contains { word in
            start + word.count <= text.count && zip(text[start..<start + word.count], word).allSatisfy { asciiLower($0) == $1 }
        }
    }

    /// When a home-directory path starts at `i`: where its user name starts and ends.
    static func home(at i: Int, _ lower: [UInt8]) -> (Int, Int)? {
        for prefix in posixHomes where lower.hasPrefix(prefix, at: i) && !inURLPath(i, lower) {
            let start = i + prefix.count
            if lower.hasPrefix(marker, at: start) { return (start, start + marker.count) }
            var end = start
            while end < lower.count, !endsPOSIXName(lower[end]) { end += 1 }
            return end > start ? (start, end) : nil
        }
        // `C:\Users\` or `C:/Users/`.
        if i > 0, isWord(lower[i - 1]) { return nil }
        guard i + 3 < lower.count, isAlpha(lower[i]), lower[i + 1] == UInt8(ascii: ":"),
              isSeparator(lower[i + 2]) else { return nil }
        for folder in windowsHomes where lower.hasPrefix(folder, at: i + 3) {
            let separator = i + 3 + folder.count
            guard separator < lower.count, isSeparator(lower[separator]) else { continue }
            let start = separator + 1
            if lower.hasPrefix(marker, at: start) { return (start, start + marker.count) }
            var end = start
            while end < lower.count, !endsWindowsName(lower[end]) { end += 1 }
            return end > start ? (start, end) : nil
        }
        return nil
    }

    /// Whether position `i` is in the path of a URL with a host (`https://example.com/home/x`),
    /// where `/home/` names a web page, not a directory. `file:///home/...` is a local path.
    static func inURLPath(_ i: Int, _ lower: [UInt8]) -> Bool {
        var start = i
        while start > 0, !isSpace(lower[start - 1]), !"\"'(<=".utf8.contains(lower[start - 1]) { start -= 1 }
        let scheme = Array("://".utf8)
        var j = i - scheme.count
        while j >= start {
            if lower.hasPrefix(scheme, at: j) { return j + scheme.count != i }
            j -= 1
        }
        return false
    }

    static func isSeparator(_ b: UInt8) -> Bool { b == UInt8(ascii: "/") || b == UInt8(ascii: "\\") }

    static func endsPOSIXName(_ b: UInt8) -> Bool {
        isSeparator(b) || isSpace(b) || "\"'`:;,)]}>|".utf8.contains(b)
    }

    static func endsWindowsName(_ b: UInt8) -> Bool {
        isSeparator(b) || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") || b == UInt8(ascii: "\t")
            || "\"'`;|<>*?".utf8.contains(b)
    }
}
