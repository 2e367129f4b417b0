import CrashpipeCore

/// Registers the arm64 architecture: how its contexts are stored in dumps and its unwinder.
public enum UnwindARM64Plugin {
    public static func register(in registry: inout PluginRegistry) throws {
        try registry.register(contextFormat: ARM64ContextFormat())
        try registry.register(unwinder: ARM64Unwinder())
    }
}
