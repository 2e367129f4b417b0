// Calls the Swift toolchain's demangler (libswiftDemangle, the same code `swift-demangle` uses)
// with the display options crashpipe needs, and falls back to the Swift runtime's
// `swift_demangle` (full form only) when the library is not installed.
//
// The library's C API offers only the full and the "simplified UI" forms. The simplified form
// with argument types needs `swift::Demangle::demangleSymbolAsString` and its options struct,
// which is C++ with no installed header. `DemangleOptions` below mirrors the layout of the Swift
// 6.3 toolchain's struct (22 flags, a StringRef, a std::function: 72 bytes; read off the
// library's own inline use of it). Because a different toolchain may change it, the library is
// used only after a self-check demangles known symbols and gets the known answers.
#include "SwiftDemangleShim.h"

#include <dlfcn.h>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits.h>
#include <mutex>
#include <string>
#include <unistd.h>

namespace llvm {
struct StringRef {
    const char *Data = nullptr;
    size_t Length = 0;
};
}  // namespace llvm

namespace swift {
namespace Demangle {
struct DemangleOptions {
    bool SynthesizeSugarOnTypes = false;
    bool QualifyEntities = true;
    bool DisplayExtensionContexts = true;
    bool DisplayUnmangledSuffix = true;
    bool DisplayModuleNames = true;
    bool DisplayGenericSpecializations = true;
    bool DisplayProtocolConformances = true;
    bool DisplayWhereClauses = true;
    bool DisplayEntityTypes = true;
    bool DisplayLocalNameContexts = true;
    bool ShortenPartialApply = false;
    bool ShortenThunk = false;
    bool ShortenValueWitness = false;
    bool ShortenArchetype = false;
    bool ShowPrivateDiscriminators = true;
    bool ShowFunctionArgumentTypes = true;
    bool DisplayDebuggerGeneratedModule = true;
    bool DisplayStdlibModule = true;
    bool DisplayObjCModule = true;
    bool PrintForTypeName = false;
    bool ShowAsyncResumePartial = true;
    bool Flag21 = true;  // a later addition, on by default and untouched by the simplified options
    llvm::StringRef HidingCurrentModule;
    std::function<std::string(uint64_t, uint64_t)> GenericParameterName;
};
static_assert(sizeof(DemangleOptions) == 72, "DemangleOptions must match the Swift 6.3 layout");
}  // namespace Demangle
}  // namespace swift

extern "C" char *swift_demangle(const char *mangledName, size_t mangledNameLength, char *outputBuffer,
                                size_t *outputBufferSize, uint32_t flags);

namespace {
using swift::Demangle::DemangleOptions;
using DemangleFunction = std::string (*)(const char *, size_t, const DemangleOptions &);
using ParameterNameFunction = std::string (*)(uint64_t, uint64_t);

struct Library {
    DemangleFunction demangle = nullptr;
    ParameterNameFunction parameterName = nullptr;
    std::string path;
};

Library loaded;
std::once_flag once;

DemangleOptions options(int form) {
    DemangleOptions o;
    o.GenericParameterName = loaded.parameterName;
    o.SynthesizeSugarOnTypes = true;  // swift-demangle's default: Int? rather than Optional<Int>
    if (form == CRASHPIPE_SWIFT_FULL) return o;
    // Swift's SimplifiedUIDemangleOptions().
    o.DisplayExtensionContexts = false;
    o.DisplayUnmangledSuffix = false;
    o.DisplayModuleNames = false;
    o.DisplayGenericSpecializations = false;
    o.DisplayProtocolConformances = false;
    o.DisplayWhereClauses = false;
    o.DisplayEntityTypes = false;
    o.ShortenPartialApply = true;
    o.ShortenThunk = true;
    o.ShortenValueWitness = true;
    o.ShortenArchetype = true;
    o.ShowPrivateDiscriminators = false;
    o.ShowFunctionArgumentTypes = form == CRASHPIPE_SWIFT_SIMPLIFIED_WITH_TYPES;
    o.ShowAsyncResumePartial = false;
    return o;
}

bool tryLoad(const std::string &path) {
    void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) return false;
    auto demangle = reinterpret_cast<DemangleFunction>(
        dlsym(handle, "_ZN5swift8Demangle22demangleSymbolAsStringB5cxx11EPKcmRKNS0_15DemangleOptionsE"));
    auto parameterName = reinterpret_cast<ParameterNameFunction>(
        dlsym(handle, "_ZN5swift8Demangle20genericParameterNameB5cxx11Emm"));
    if (!demangle || !parameterName) {
        dlclose(handle);
        return false;
    }
    loaded.demangle = demangle;
    loaded.parameterName = parameterName;
    // The self-check: known symbols must give known answers in every form.
    struct Check { const char *symbol; int form; const char *expected; };
    const Check checks[] = {
        {"$s8mangling6curry1yyF", CRASHPIPE_SWIFT_FULL, "mangling.curry1() -> ()"},
        {"$s8mangling6curry1yyF", CRASHPIPE_SWIFT_SIMPLIFIED, "curry1()"},
        {"_T08mangling3ZimC4zangyx_qd__tlF", CRASHPIPE_SWIFT_SIMPLIFIED_WITH_TYPES, "Zim.zang<A>(A, A1) -> ()"},
        {"_T08mangling14uses_optionalss7UnicodeO6ScalarVSgSiSg1x_tF", CRASHPIPE_SWIFT_SIMPLIFIED, "uses_optionals(x:)"},
    };
    for (const Check &check : checks) {
        if (demangle(check.symbol, strlen(check.symbol), options(check.form)) != check.expected) {
            loaded = Library();
            dlclose(handle);
            return false;
        }
    }
    loaded.path = path;
    return true;
}

std::string directoryOf(const std::string &path) {
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

void load() {
    if (const char *explicitPath = getenv("CRASHPIPE_SWIFT_DEMANGLE_LIBRARY")) {
        if (tryLoad(explicitPath)) return;
    }
    // Beside the Swift runtime in use: <toolchain>/usr/lib/swift/linux/libswiftCore.so.
    Dl_info info;
    if (dladdr(reinterpret_cast<void *>(&swift_demangle), &info) && info.dli_fname) {
        std::string runtime = directoryOf(info.dli_fname);
        if (tryLoad(runtime + "/../../libswiftDemangle.so")) return;
        if (tryLoad(runtime + "/libswiftDemangle.so")) return;
    }
    if (tryLoad("libswiftDemangle.so")) return;
    // The toolchain of the `swift` on PATH (for binaries built with a static runtime).
    if (const char *path = getenv("PATH")) {
        std::string paths(path);
        size_t start = 0;
        while (start <= paths.size()) {
            size_t end = paths.find(':', start);
            if (end == std::string::npos) end = paths.size();
            std::string candidate = paths.substr(start, end - start) + "/swift";
            char resolved[PATH_MAX];
            if (access(candidate.c_str(), X_OK) == 0 && realpath(candidate.c_str(), resolved)) {
                if (tryLoad(directoryOf(resolved) + "/../lib/libswiftDemangle.so")) return;
            }
            start = end + 1;
        }
    }
}

char *copy(const std::string &text) {
    if (text.empty()) return nullptr;
    char *result = static_cast<char *>(malloc(text.size() + 1));
    if (result) memcpy(result, text.c_str(), text.size() + 1);
    return result;
}
}  // namespace

extern "C" int crashpipe_swift_demangler_library_loaded(void) {
    std::call_once(once, load);
    return loaded.demangle != nullptr;
}

extern "C" const char *crashpipe_swift_demangler_library_path(void) {
    std::call_once(once, load);
    return loaded.demangle ? loaded.path.c_str() : nullptr;
}

extern "C" char *crashpipe_swift_demangle(const char *name, size_t length, int form) {
    std::call_once(once, load);
    if (loaded.demangle) {
        std::string result = loaded.demangle(name, length, options(form));
        // The demangler returns its input when it cannot demangle.
        if (result.size() == length && memcmp(result.data(), name, length) == 0) return nullptr;
        return copy(result);
    }
    if (form != CRASHPIPE_SWIFT_FULL) return nullptr;
    char *result = swift_demangle(name, length, nullptr, nullptr, 0);
    return result;
}
