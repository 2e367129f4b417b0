#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Immutable bytes that stay valid for the life of the object: a memory-mapped file or an
/// owned copy. Everything that reads untrusted input does so through a ``ByteView`` of one.
public final class ByteStorage: @unchecked Sendable {
    /// The bytes. Never mutated after init; safe to share across tasks.
    public let bytes: UnsafeRawBufferPointer
    private let release: @Sendable (UnsafeRawBufferPointer) -> Void

    init(bytes: UnsafeRawBufferPointer, release: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) {
        self.bytes = bytes
        self.release = release
    }

    deinit { release(bytes) }

    /// An owned copy of `source`.
    public convenience init<C: Collection>(copying source: C) where C.Element == UInt8 {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(source.count, 1), alignment: 16)
        buffer.copyBytes(from: source)
        let count = source.count
        self.init(bytes: UnsafeRawBufferPointer(rebasing: buffer[..<count])) { bytes in
            bytes.baseAddress.map { UnsafeMutableRawPointer(mutating: $0).deallocate() }
        }
    }

    /// Maps the file at `path` read-only. An empty file gives empty storage.
    public static func map(path: String) throws -> ByteStorage {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw FileError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileError(path: path, reason: String(cString: strerror(errno))) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw FileError(path: path, reason: "not a regular file") }
        let size = Int(info.st_size)
        if size == 0 { return ByteStorage(copying: [UInt8]()) }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED else {
            throw FileError(path: path, reason: String(cString: strerror(errno)))
        }
        return ByteStorage(bytes: UnsafeRawBufferPointer(start: address, count: size)) { bytes in
            _ = munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
        }
    }

    /// A view of all the bytes.
    public var view: ByteView { ByteView(storage: self) }
}

/// A file could not be opened or mapped.
public struct FileError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "\(path): \(reason)" }
}
