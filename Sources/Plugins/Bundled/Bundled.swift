import CrashpipeCore
import DemangleItanium
import DemangleMSVC
import DemangleObjC
import DemangleRust
import DemangleSwift
import Microdump
import Minidump
import ScrubDefaults
import Signature
import SymbolsBreakpad
import SymbolsPE
import SymbolsELF
import SymbolsMachO
import UnwindAMD64
import UnwindARM
import UnwindARM64
import UnwindRISCV64
import UnwindX86

/// The plugins that ship with crashpipe, registered explicitly: adding a plugin is one line
/// here. Hosts (the CLI, the server, tests) call ``registry()`` and pass the value around.
public enum Bundled {
    public static func registry() throws -> PluginRegistry {
        var registry = PluginRegistry()
        try CoreStages.register(in: &registry)
        try MinidumpPlugin.register(in: &registry)
        try SymbolsBreakpadPlugin.register(in: &registry)
        try SymbolsPEPlugin.register(in: &registry)
        try SymbolsELFPlugin.register(in: &registry)
        try SymbolsMachOPlugin.register(in: &registry)
        try UnwindAMD64Plugin.register(in: &registry)
        try UnwindX86Plugin.register(in: &registry)
        try UnwindARM64Plugin.register(in: &registry)
        try UnwindARMPlugin.register(in: &registry)
        try UnwindRISCV64Plugin.register(in: &registry)
        try MicrodumpPlugin.register(in: &registry)
        // Demanglers, in the order detection tries them: Objective-C and Rust before C++
        // (legacy Rust names are C++-shaped), MSVC and Swift by their prefixes.
        try DemangleObjCPlugin.register(in: &registry)
        try DemangleRustPlugin.register(in: &registry)
        try DemangleSwiftPlugin.register(in: &registry)
        try DemangleMSVCPlugin.register(in: &registry)
        try DemangleItaniumPlugin.register(in: &registry)
        try ScrubDefaultsPlugin.register(in: &registry)
        try SignaturePlugin.register(in: &registry)
        return registry
    }
}
