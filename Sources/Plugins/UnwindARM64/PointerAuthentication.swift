import CrashpipeCore

/// Strips pointer-authentication codes from code addresses.
///
/// ARMv8.3 pointer authentication (Apple's arm64e, Android and Linux built with
/// `-mbranch-protection`) signs return addresses before they are saved: `paciasp` puts a code
/// in the pointer's unused high bits, so an lr read from a frame record or a register is not
/// an address until those bits are cleared. How many bits are address depends on the
/// kernel's configuration, which a dump does not record; like Breakpad's PtrauthStrip (and
/// rust-minidump's ptr_auth_strip), the address bits are taken to be those needed to reach
/// the end of the highest module, and a value is stripped only when that lands in a module.
struct PointerAuthentication: Sendable {
    /// All bits up to the highest one set in the highest module end; all ones without modules.
    let mask: UInt64
    let modules: ModuleIndex

    init(_ walk: StackWalkInput) {
        mask = Self.addressMask(walk.modules)
        modules = walk.moduleIndex
    }

    /// The mask for `modules`: the highest module end with every bit below its top bit set.
    static func addressMask(_ modules: [Module]) -> UInt64 {
        let highestEnd = modules.lazy.filter { $0.size > 0 }
            .map { $0.base.addingReportingOverflow($0.size).overflow ? UInt64.max : $0.base + $0.size }
            .max() ?? 0
        guard highestEnd != 0 else { return .max }
        return UInt64.max >> UInt64(highestEnd.leadingZeroBitCount)
    }

    /// `address` as it is when it lies in a module; otherwise masked to the address bits when
    /// that lands in a module; otherwise unchanged (data, JIT code, or an address the modules
    /// cannot vouch for).
    func strip(_ address: UInt64) -> UInt64 {
        if modules.index(containing: address) != nil { return address }
        let masked = address & mask
        return masked != address && modules.index(containing: masked) != nil ? masked : address
    }
}
