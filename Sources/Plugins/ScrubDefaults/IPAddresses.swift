/// Replaces IPv4 and IPv6 addresses inside text (the address only, so `connect to
/// 10.0.0.7:443 failed` keeps its port and words).
///
/// Candidates are the runs of word characters, colons and dots; a run is replaced when it is
/// a dotted quad (each part 0...255), a dotted quad with a `:port`, or an IPv6 address (groups
/// of one to four hex digits, eight of them or fewer around one `::`, optionally ending in a
/// dotted quad). Version strings with four small parts (`1.2.3.4`) look the same and are
/// replaced too, which is why this rule is off unless `ip_addresses: true`.
public enum IPAddresses {
    /// `text` with addresses replaced by `replacement`, and how many were.
    public static func redact(_ text: [UInt8], replacement: [UInt8]) -> ([UInt8], Int) {
        guard text.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ":") }) else { return (text, 0) }
        var out: [UInt8] = []
        var count = 0
        var i = 0
        while i < text.count {
            guard isRunByte(text[i]) else {
                out.append(text[i])
                i += 1
                continue
            }
            var end = i
            while end < text.count, isRunByte(text[end]) { end += 1 }
            var run = Array(text[i..<end])
            var trailing: [UInt8] = []
            while let last = run.last, last == UInt8(ascii: ".") || last == UInt8(ascii: ":"), !isIPv6(run) {
                trailing.insert(last, at: 0)
                run.removeLast()
            }
            if isIPv4(run) || isIPv6(run) {
                out += replacement + trailing
                count += 1
            } else if let colon = run.lastIndex(of: UInt8(ascii: ":")), isIPv4(Array(run[..<colon])),
                      run[(colon + 1)...].allSatisfy(isDigit), colon + 1 < run.count {
                out += replacement + run[colon...] + trailing
                count += 1
            } else {
                out += text[i..<end]
            }
            i = end
        }
        return (out, count)
    }

    static func isRunByte(_ b: UInt8) -> Bool { isWord(b) || b == UInt8(ascii: ":") || b == UInt8(ascii: ".") }

    public static func isIPv4(_ s: [UInt8]) -> Bool {
        let parts = s.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { part in
            guard (1...3).contains(part.count), part.allSatisfy(isDigit) else { return false }
            return Int(String(decoding: part, as: UTF8.self))! <= 255
        }
    }

    public static func isIPv6(_ s: [UInt8]) -> Bool {
        guard s.filter({ $0 == UInt8(ascii: ":") }).count >= 2, s.contains(where: isHexDigit) else { return false }
        var halves: [String] = []
        var start = 0, i = 0
        while i < s.count {
            if i + 1 < s.count, s[i] == UInt8(ascii: ":"), s[i + 1] == UInt8(ascii: ":") {
                halves.append(String(decoding: s[start..<i], as: UTF8.self))
                i += 2
                start = i
            } else {
                i += 1
            }
        }
        halves.append(String(decoding: s[start...], as: UTF8.self))
        guard halves.count <= 2 else { return false }
        func groups(_ half: String) -> Int? {
            if half.isEmpty { return 0 }
            let parts = half.split(separator: ":", omittingEmptySubsequences: false)
            var total = 0
            for (index, part) in parts.enumerated() {
                if index == parts.count - 1, part.contains("."), isIPv4(Array(part.utf8)) {
                    total += 2
                } else if (1...4).contains(part.count), part.utf8.allSatisfy(isHexDigit) {
                    total += 1
                } else {
                    return nil
                }
            }
            return total
        }
        if halves.count == 2 {
            guard let left = groups(halves[0]), let right = groups(halves[1]) else { return false }
            // An embedded dotted quad may only end the address.
            if halves[0].contains(".") { return false }
            return left + right <= 7
        }
        guard let total = groups(halves[0]) else { return false }
        return total == 8
    }
}
