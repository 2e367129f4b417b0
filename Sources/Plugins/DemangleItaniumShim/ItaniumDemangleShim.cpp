// A C entry point to the C++ runtime's demangler (libstdc++'s __cxa_demangle), so Swift code
// can call it without C++ interop.
#include "ItaniumDemangleShim.h"

#include <cxxabi.h>
#include <cstdlib>
#include <string>

extern "C" char *crashpipe_cxa_demangle(const char *name, size_t length) {
    // __cxa_demangle needs a NUL-terminated string; the copy also guarantees no embedded NUL
    // shortens what the caller asked for.
    std::string copy(name, length);
    if (copy.find('\0') != std::string::npos) return nullptr;
    int status = 0;
    char *result = abi::__cxa_demangle(copy.c_str(), nullptr, nullptr, &status);
    if (status != 0) {
        std::free(result);
        return nullptr;
    }
    return result;
}
