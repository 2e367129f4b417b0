// Thread list, memory list, Memory64 list, memory info list and thread names.

/// A captured memory range: its start address in the crashed process and its bytes
/// (a `ByteSection`, so a stack can be written as words in the dump's byte order).
public struct SynthMemory {
    public var address: UInt64
    public var content: ByteSection
    /// Corruption: fixed `MINIDUMP_LOCATION_DESCRIPTOR` written instead of the real one
    /// (memory list and thread stacks; ignored by the Memory64 list).
    public var locationOverride: SynthRawLocation?

    public init(address: UInt64, content: ByteSection, locationOverride: SynthRawLocation? = nil) {
        self.address = address
        self.content = content
        self.locationOverride = locationOverride
    }

    /// A range holding raw `bytes`.
    public init(address: UInt64, bytes: [UInt8]) {
        self.init(address: address, content: ByteSection(bytes: bytes, name: "memory"))
    }

    /// Appends a `MINIDUMP_MEMORY_DESCRIPTOR` (u64 start, u32 size, u32 rva) to `section`
    /// and places the bytes as referenced data.
    func writeDescriptor(into section: ByteSection, _ ctx: SynthBuildContext) {
        section.u64(address)
        if let raw = locationOverride {
            section.location(rva: raw.rva, size: raw.size)
        } else {
            section.location(ctx.place(content))
        }
    }
}

/// One `MINIDUMP_THREAD` (48 bytes): id, suspend count, priority class, priority, TEB,
/// stack memory descriptor and the location of its raw CPU context.
public struct SynthThread {
    public var id: UInt32
    public var suspendCount: UInt32
    public var priorityClass: UInt32
    public var priority: UInt32
    public var teb: UInt64
    /// The stack; `nil` writes a zero memory descriptor.
    public var stack: SynthMemory?
    /// The raw context blob (see `SynthContext`); `nil` writes a zero location.
    public var context: ByteSection?
    /// Corruption: fixed context location instead of the real one.
    public var contextLocationOverride: SynthRawLocation?

    public init(id: UInt32, suspendCount: UInt32 = 0, priorityClass: UInt32 = 0, priority: UInt32 = 0,
                teb: UInt64 = 0, stack: SynthMemory? = nil, context: ByteSection? = nil,
                contextLocationOverride: SynthRawLocation? = nil) {
        self.id = id
        self.suspendCount = suspendCount
        self.priorityClass = priorityClass
        self.priority = priority
        self.teb = teb
        self.stack = stack
        self.context = context
        self.contextLocationOverride = contextLocationOverride
    }
}

/// One `MINIDUMP_MEMORY_INFO` (48 bytes) for the memory info list.
public struct SynthMemoryInfo: Sendable, Hashable {
    public var baseAddress: UInt64
    public var allocationBase: UInt64
    public var allocationProtection: UInt32
    public var regionSize: UInt64
    /// `MEM_COMMIT` 0x1000, `MEM_RESERVE` 0x2000, `MEM_FREE` 0x10000.
    public var state: UInt32
    /// `PAGE_*` protection flags (e.g. `PAGE_READWRITE` 0x04, `PAGE_EXECUTE_READ` 0x20).
    public var protection: UInt32
    /// `MEM_PRIVATE` 0x20000, `MEM_MAPPED` 0x40000, `MEM_IMAGE` 0x1000000.
    public var type: UInt32

    public init(baseAddress: UInt64, allocationBase: UInt64 = 0, allocationProtection: UInt32 = 0,
                regionSize: UInt64, state: UInt32 = 0x1000, protection: UInt32 = 0x04,
                type: UInt32 = 0x20000) {
        self.baseAddress = baseAddress
        self.allocationBase = allocationBase
        self.allocationProtection = allocationProtection
        self.regionSize = regionSize
        self.state = state
        self.protection = protection
        self.type = type
    }
}

/// One `MINIDUMP_THREAD_NAME` (u32 thread id, RVA64 of a `MINIDUMP_STRING`).
public struct SynthThreadName: Sendable, Hashable {
    public var threadID: UInt32
    /// The name; `nil` writes `rawRVA` instead of pointing at a string.
    public var name: String?
    /// RVA64 written when `name` is nil (for bogus-pointer tests).
    public var rawRVA: UInt64

    public init(threadID: UInt32, name: String) {
        self.threadID = threadID
        self.name = name
        self.rawRVA = 0
    }

    public init(threadID: UInt32, rawRVA: UInt64) {
        self.threadID = threadID
        self.name = nil
        self.rawRVA = rawRVA
    }
}

extension SyntheticMinidump {
    /// Adds a thread to the thread list stream (`MINIDUMP_THREAD_LIST`: u32 count +
    /// 48-byte entries). Its stack bytes and context are placed as referenced data; with
    /// `stackInMemoryList` the stack is also listed in the memory list (same bytes).
    @discardableResult
    public func addThread(_ thread: SynthThread, stackInMemoryList: Bool = false) -> SynthStream {
        threads.append(thread)
        let list = listStream(SynthStreamType.threadList) { dump, ctx, stream in
            let body = ctx.section("threadList")
            body.u32(UInt32(truncatingIfNeeded: stream.countOverride ?? UInt64(dump.threads.count)))
            for t in dump.threads {
                body.u32(t.id).u32(t.suspendCount).u32(t.priorityClass).u32(t.priority).u64(t.teb)
                if let stack = t.stack {
                    stack.writeDescriptor(into: body, ctx)
                } else {
                    body.u64(0).location(rva: 0, size: 0)
                }
                if let raw = t.contextLocationOverride {
                    body.location(rva: raw.rva, size: raw.size)
                } else if let context = t.context {
                    body.location(ctx.place(context))
                } else {
                    body.location(rva: 0, size: 0)
                }
            }
            return body
        }
        if stackInMemoryList, let stack = thread.stack { addMemory(stack) }
        return list
    }

    /// Adds a range to the memory list stream (`MINIDUMP_MEMORY_LIST`: u32 count +
    /// 16-byte `MINIDUMP_MEMORY_DESCRIPTOR`s); its bytes are placed as referenced data.
    @discardableResult
    public func addMemory(_ memory: SynthMemory) -> SynthStream {
        memoryRanges.append(memory)
        return listStream(SynthStreamType.memoryList) { dump, ctx, stream in
            let body = ctx.section("memoryList")
            body.u32(UInt32(truncatingIfNeeded: stream.countOverride ?? UInt64(dump.memoryRanges.count)))
            for m in dump.memoryRanges { m.writeDescriptor(into: body, ctx) }
            return body
        }
    }

    /// Adds a range to the Memory64 list stream (`MINIDUMP_MEMORY64_LIST`: u64 count,
    /// u64 BaseRva, then u64 start + u64 size per range). All Memory64 bytes are laid out
    /// contiguously, in order, at BaseRva, after everything else.
    @discardableResult
    public func addMemory64(_ memory: SynthMemory) -> SynthStream {
        memory64Ranges.append(memory)
        return listStream(SynthStreamType.memory64List) { dump, ctx, stream in
            let blob = ctx.section("memory64.data")
            let body = ctx.section("memory64List")
            body.u64(stream.countOverride ?? UInt64(dump.memory64Ranges.count))
            body.u64(blob.start)
            for m in dump.memory64Ranges {
                body.u64(m.address).u64(UInt64(m.content.size))
                blob.append(m.content)
            }
            ctx.placeAtEnd(blob)
            return body
        }
    }

    /// Adds an entry to the memory info list stream (`MINIDUMP_MEMORY_INFO_LIST`:
    /// u32 SizeOfHeader=16, u32 SizeOfEntry=48, u64 NumberOfEntries, then entries).
    @discardableResult
    public func addMemoryInfo(_ info: SynthMemoryInfo) -> SynthStream {
        memoryInfos.append(info)
        return listStream(SynthStreamType.memoryInfoList) { dump, ctx, stream in
            let body = ctx.section("memoryInfoList")
            body.u32(stream.headerSizeOverride ?? 16).u32(stream.entrySizeOverride ?? 48)
            body.u64(stream.countOverride ?? UInt64(dump.memoryInfos.count))
            for i in dump.memoryInfos {
                body.u64(i.baseAddress).u64(i.allocationBase).u32(i.allocationProtection).u32(0)
                body.u64(i.regionSize).u32(i.state).u32(i.protection).u32(i.type).u32(0)
            }
            return body
        }
    }

    /// Adds an entry to the thread names stream (`MINIDUMP_THREAD_NAME_LIST`: u32 count,
    /// then 12-byte entries of u32 thread id + u64 RVA of a `MINIDUMP_STRING`).
    @discardableResult
    public func addThreadName(_ entry: SynthThreadName) -> SynthStream {
        threadNames.append(entry)
        return listStream(SynthStreamType.threadNames) { dump, ctx, stream in
            let body = ctx.section("threadNames")
            body.u32(UInt32(truncatingIfNeeded: stream.countOverride ?? UInt64(dump.threadNames.count)))
            for n in dump.threadNames {
                body.u32(n.threadID)
                if let name = n.name { body.u64(ctx.string(name)) } else { body.u64(n.rawRVA) }
            }
            return body
        }
    }

    /// Convenience: `addThreadName(SynthThreadName(threadID:name:))`.
    @discardableResult
    public func addThreadName(threadID: UInt32, name: String) -> SynthStream {
        addThreadName(SynthThreadName(threadID: threadID, name: name))
    }
}
