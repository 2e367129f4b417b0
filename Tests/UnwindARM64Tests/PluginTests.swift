import CrashpipeCore
import Testing
import UnwindARM64

struct PluginTests {
    /// The plugin brings both halves of the architecture: its context format and its unwinder.
    @Test func registersTheContextFormatAndTheUnwinder() throws {
        var registry = PluginRegistry()
        try UnwindARM64Plugin.register(in: &registry)
        #expect(registry.unwinders[.arm64] is ARM64Unwinder)
        #expect(registry.contextFormats.format(for: .arm64) is ARM64ContextFormat)
        #expect(ARM64Unwinder.cpu == .arm64)
        #expect(throws: RegistryError.self) { try UnwindARM64Plugin.register(in: &registry) }
    }

    /// A registry that already has an arm64 unwinder refuses a second one.
    @Test func secondUnwinderIsRefused() throws {
        var registry = PluginRegistry()
        try registry.register(unwinder: ARM64Unwinder())
        #expect(throws: RegistryError.self) { try registry.register(unwinder: ARM64Unwinder()) }
    }
}
