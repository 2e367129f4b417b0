import CrashpipeCore

/// Renders all of a minidump, structure by structure: the text `crashpipe dump` prints
/// (Breakpad minidump_dump's layout) and its JSON form.
public enum MinidumpDump {
    /// The human-readable dump.
    public static func text(_ contents: MinidumpContents) -> String {
        typealias P = DumpPrinter
        let file = contents.file
        var out = DumpPrinter()
        out.os = contents.os
        out.block("MDRawHeader", [
            ("signature", P.hex(file.header.signature)),
            ("version", P.hex(file.header.version)),
            ("stream_count", "\(file.header.streamCount)"),
            ("stream_directory_rva", P.hex(file.header.streamDirectoryRva)),
            ("checksum", P.hex(file.header.checksum)),
            ("time_date_stamp", P.time(file.header.timeDateStamp)),
            ("flags", P.hex(file.header.flags)),
        ])
        for entry in file.directory {
            out.line("mDirectory[\(entry.index)]")
            out.block("MDRawDirectory", [
                ("stream_type", P.hex(entry.type.rawValue) + " (\(entry.type.breakpadName))"),
                ("location.data_size", "\(entry.dataSize)"),
                ("location.rva", P.hex(entry.rva)),
            ])
        }
        // Breakpad keeps the first entry of each type, except unused entries (the last wins).
        var map: [StreamType: Int] = [:]
        for entry in file.directory where map[entry.type] == nil || entry.type == .unused {
            map[entry.type] = entry.index
        }
        out.line("Streams:")
        for (type, index) in map.sorted(by: { $0.key < $1.key }) {
            out.line("  stream type \(P.hex(type.rawValue)) (\(type.breakpadName)) at index \(index)")
        }
        out.line()
        for type in MinidumpContents.streamTypes {
            if let stream = contents.streams[type.streamType] {
                stream.dump(to: &out)
            } else if let error = contents.errors[type.streamType] {
                out.line("\(type.streamType.name) stream could not be read: \(error)")
                out.line()
            }
        }
        let unknown = contents.unknownEntries
        if !unknown.isEmpty {
            out.line("Unknown streams:")
            for entry in unknown {
                out.line("  stream type \(P.hex(entry.type.rawValue)) (\(entry.type.name)), \(entry.dataSize) bytes at \(P.hex(entry.rva))")
            }
            out.line()
        }
        for note in file.notes { out.line("Note: \(note)") }
        return out.text
    }

    /// The JSON-encodable form: header, directory, every stream read, and the errors.
    public struct Document: Encodable {
        let contents: MinidumpContents

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ s: String) { stringValue = s }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(contents.file.endian.rawValue, forKey: Key("endian"))
            try c.encode(contents.file.header, forKey: Key("header"))
            try c.encode(contents.file.directory, forKey: Key("directory"))
            var streams = c.nestedContainer(keyedBy: Key.self, forKey: Key("streams"))
            for type in MinidumpContents.streamTypes {
                if let stream = contents.streams[type.streamType] {
                    try streams.encode(AnyEncodable(stream), forKey: Key(type.streamType.name))
                }
            }
            try c.encode(contents.errors.sorted { $0.key < $1.key }.map { ["stream": $0.key.name, "error": "\($0.value)"] },
                         forKey: Key("errors"))
            try c.encode(contents.unknownEntries, forKey: Key("unknown_streams"))
            try c.encode(contents.file.notes, forKey: Key("notes"))
        }
    }

    public static func document(_ contents: MinidumpContents) -> Document { Document(contents: contents) }
}

/// Wraps an existential so it can be encoded.
struct AnyEncodable: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}
