// Turning what the parser collected in file order into the table's sorted, overlap-free arrays.
//
// Of records whose address ranges overlap, the one that sorts first (lowest start, then smallest
// size, then earliest in the file) is kept and the others are dropped, as rust-minidump's
// `into_rangemap_safe` does. Symbol files are almost always sorted already, so each array is
// first checked in one pass and only sorted when it has to be.

extension BreakpadTextParser {
    mutating func finish() {
        finishFunction()
        finishCFI()

        Self.sortDroppingOverlaps(&table.functions, address: { $0.address }, size: { $0.size },
                                  order: { $0.name.offset })
        table.functionAddresses = table.functions.map(\.address)

        publicEntries.sortIfNeeded { ($0.address, $0.record.name.offset) < ($1.address, $1.record.name.offset) }
        // Two publics at one address: the first in the file wins (Breakpad's address map refuses the second).
        var previous: UInt64?
        table.publicAddresses.reserveCapacity(publicEntries.count)
        table.publics.reserveCapacity(publicEntries.count)
        for entry in publicEntries where entry.address != previous {
            table.publicAddresses.append(entry.address)
            table.publics.append(entry.record)
            previous = entry.address
        }
        publicEntries = []

        // Duplicate FILE and INLINE_ORIGIN ids: the first wins, as in Breakpad's maps.
        table.files.sortIfNeeded { ($0.id, $0.name.offset) < ($1.id, $1.name.offset) }
        table.files.removeAdjacentDuplicates { $0.id == $1.id }
        table.origins.sortIfNeeded { ($0.id, $0.name.offset) < ($1.id, $1.name.offset) }
        table.origins.removeAdjacentDuplicates { $0.id == $1.id }

        Self.sortDroppingOverlaps(&table.cfi, address: { $0.address }, size: { $0.size },
                                  order: { $0.rules.offset })
        table.cfiAddresses = table.cfi.map(\.address)

        Self.sortDroppingOverlaps(&table.frameData, address: { $0.address }, size: { $0.size },
                                  order: { $0.program.offset })
        table.frameDataAddresses = table.frameData.map(\.address)
        // FPO records have no text to order ties by; the sort is stable, so the file order decides.
        Self.sortDroppingOverlaps(&table.fpo, address: { $0.address }, size: { $0.size }, order: { _ in 0 })
        table.fpoAddresses = table.fpo.map(\.address)
    }

    /// Sorts records by (address, size, order) and keeps only those that start after the last
    /// kept one ends. Sizes are non-zero and ranges do not wrap (the parser dropped others).
    static func sortDroppingOverlaps<Record, Order: Comparable>(
        _ records: inout [Record], address: (Record) -> UInt64, size: (Record) -> UInt64, order: (Record) -> Order
    ) {
        guard records.count > 1 else { return }
        var clean = true
        var previousLast = address(records[0]) &+ (size(records[0]) &- 1)
        for i in 1..<records.count {
            let start = address(records[i])
            if start <= previousLast {
                clean = false
                break
            }
            previousLast = start &+ (size(records[i]) &- 1)
        }
        if clean { return }
        records.sort { (address($0), size($0), order($0)) < (address($1), size($1), order($1)) }
        var write = 1
        previousLast = address(records[0]) &+ (size(records[0]) &- 1)
        for read in 1..<records.count {
            let start = address(records[read])
            guard start > previousLast else { continue }
            records.swapAt(write, read)
            previousLast = start &+ (size(records[write]) &- 1)
            write += 1
        }
        records.removeLast(records.count - write)
    }
}

extension Array {
    /// Sorts with `areInIncreasingOrder` unless one pass shows the array is sorted already.
    mutating func sortIfNeeded(by areInIncreasingOrder: (Element, Element) -> Bool) {
        guard count > 1 else { return }
        for i in 1..<count where areInIncreasingOrder(self[i], self[i - 1]) {
            sort(by: areInIncreasingOrder)
            return
        }
    }

    /// Removes every element that `isDuplicate` of the element kept before it.
    mutating func removeAdjacentDuplicates(_ isDuplicate: (Element, Element) -> Bool) {
        guard count > 1 else { return }
        var write = 1
        for read in 1..<count where !isDuplicate(self[write - 1], self[read]) {
            swapAt(write, read)
            write += 1
        }
        removeLast(count - write)
    }
}
