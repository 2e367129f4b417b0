import CrashpipeCore
import Testing

struct ByteViewTests {
    let view = ByteView([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09])

    @Test func loadsBothByteOrdersUnaligned() throws {
        #expect(try view.u16(at: 1) == 0x0302)
        #expect(try view.u16(at: 1, .big) == 0x0203)
        #expect(try view.u32(at: 1) == 0x0504_0302)
        #expect(try view.u32(at: 1, .big) == 0x0203_0405)
        #expect(try view.u64(at: 1) == 0x0908_0706_0504_0302)
        #expect(try view.u64(at: 1, .big) == 0x0203_0405_0607_0809)
    }

    @Test func readsPastTheEndAreTruncationErrorsWithTheOffset() {
        do {
            _ = try view.u32(at: 7)
            Issue.record("read past the end")
        } catch {
            #expect(error.kind == .truncated)
            #expect(error.offset == 7)
            #expect("\(error)".contains("0x7"))
        }
    }

    @Test func offsetsThatOverflowAreRejected() {
        #expect(throws: ParseError.self) { try view.slice(offset: Int.max, size: 2) }
        #expect(throws: ParseError.self) { try view.slice(offset: 2, size: Int.max) }
        #expect(throws: ParseError.self) { try view.slice(offset: -1, size: 1) }
        #expect(throws: ParseError.self) { try view.slice(offset: UInt64.max, size: 1) }
    }

    @Test func slicesReportAbsoluteOffsets() throws {
        let inner = try view.slice(offset: 4, size: 3)
        #expect(try inner.u8(at: 0) == 5)
        do {
            _ = try inner.u32(at: 1)
            Issue.record("read past the end of the slice")
        } catch {
            #expect(error.offset == 5)
        }
    }

    @Test func readerTagsErrorsWithItsContext() {
        var reader = ByteReader(view, endian: .little, context: "ThreadList stream")
        do {
            _ = try reader.u64()
            _ = try reader.u64()
            Issue.record("read past the end")
        } catch {
            #expect(error.context == "ThreadList stream")
            #expect(error.offset == 8)
        }
    }

    @Test func absurdArrayCountsFailBeforeAllocating() {
        var reader = ByteReader(view)
        #expect(throws: ParseError.self) {
            _ = try reader.array(count: Int.max / 2, elementSize: 16, what: "threads") { r throws(ParseError) in try r.u8() }
        }
        #expect(throws: ParseError.self) {
            _ = try reader.array(count: 10, elementSize: 1, what: "bytes") { r throws(ParseError) in try r.u8() }
        }
        let fits = try? reader.array(count: 9, elementSize: 1, what: "bytes") { r throws(ParseError) in try r.u8() }
        #expect(fits == [1, 2, 3, 4, 5, 6, 7, 8, 9])
    }

    @Test func cStringsStopAtNulAndAtTheEnd() throws {
        let text = ByteView(Array("abc\0def".utf8))
        #expect(try text.cString() == "abc")
        #expect(try text.cString(at: 4) == "def")
        #expect(throws: ParseError.self) { try text.cString(at: 99) }
    }

    @Test func mappedFilesReadTheSameBytes() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("crashpipe-bytes-\(UInt32.random(in: 0...UInt32.max))").path
        try Data([1, 2, 3, 4]).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let mapped = try ByteStorage.map(path: path).view
        #expect(try mapped.u32(at: 0) == 0x0403_0201)
        #expect(throws: FileError.self) { try ByteStorage.map(path: path + ".missing") }
    }
}

import Foundation
