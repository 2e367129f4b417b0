import Foundation

/// Writes zip archives for the tests (stored or deflated entries, any names, and sizes that
/// may lie), so archive handling is tested without a zip tool on the machine.
public struct ZipWriter {
    public struct Entry {
        public var name: String
        public var content: Data
        /// The raw-deflated content (method 8); nil stores the content as it is.
        public var deflated: Data?
        /// Overrides the uncompressed size written in the headers (a lying archive).
        public var declaredSize: Int?

        public init(name: String, content: Data, deflated: Data? = nil, declaredSize: Int? = nil) {
            self.name = name
            self.content = content
            self.deflated = deflated
            self.declaredSize = declaredSize
        }
    }

    public static func crc32(_ data: Data) -> UInt32 {
        var table = [UInt32](repeating: 0, count: 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            table[i] = c
        }
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    public static func archive(_ entries: [Entry]) -> Data {
        var out = Data()
        var central = Data()
        func u16(_ v: Int, _ d: inout Data) { d.append(contentsOf: [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)]) }
        func u32(_ v: UInt32, _ d: inout Data) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        for entry in entries {
            let name = Data(entry.name.utf8)
            let body = entry.deflated ?? entry.content
            let method = entry.deflated == nil ? 0 : 8
            let crc = crc32(entry.content)
            let size = UInt32(entry.declaredSize ?? entry.content.count)
            let offset = UInt32(out.count)
            u32(0x0403_4B50, &out); u16(20, &out); u16(0, &out); u16(method, &out); u16(0, &out); u16(0, &out)
            u32(crc, &out); u32(UInt32(body.count), &out); u32(size, &out); u16(name.count, &out); u16(0, &out)
            out += name + body
            u32(0x0201_4B50, &central); u16(20, &central); u16(20, &central); u16(0, &central); u16(method, &central)
            u16(0, &central); u16(0, &central); u32(crc, &central); u32(UInt32(body.count), &central); u32(size, &central)
            u16(name.count, &central); u16(0, &central); u16(0, &central); u16(0, &central); u16(0, &central); u32(0, &central)
            u32(offset, &central)
            central += name
        }
        let centralOffset = UInt32(out.count)
        out += central
        u32(0x0605_4B50, &out); u16(0, &out); u16(0, &out); u16(entries.count, &out); u16(entries.count, &out)
        u32(UInt32(central.count), &out); u32(centralOffset, &out); u16(0, &out)
        return out
    }
}
