/// Unwind rules that are not DWARF call frame information: a table a format plugin builds from
/// its own unwind encoding (Mach-O compact unwind, `__TEXT,__unwind_info`), which
/// ``SymbolTableSymbols`` asks before its DWARF CFI.
///
/// Addresses are module-relative (the same base as the symbols' entries).
public protocol UnwindRuleTable: Sendable {
    /// The rules in force at `address`; nil when the table does not cover it or its entry
    /// defers to DWARF (compact unwind's "DWARF" mode names an `__eh_frame` FDE), so that the
    /// caller falls back to the DWARF CFI.
    func rules(at address: UInt64) -> CallFrameRules?

    /// The table as Breakpad `STACK CFI` records, module-relative and sorted by address. A
    /// table that defers to DWARF for some entries includes the records of the FDEs it defers
    /// to, so that these records are the module's whole CFI (what symbolic writes for a Mach-O
    /// file with `__unwind_info`).
    func breakpadRecords() -> [BreakpadCFIRecord]
}
