#ifndef CRASHPIPE_SWIFT_DEMANGLE_SHIM_H
#define CRASHPIPE_SWIFT_DEMANGLE_SHIM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// How much of a Swift name to print.
enum crashpipe_swift_form {
    /// Everything: module names, argument labels and types, return types (`swift-demangle`).
    CRASHPIPE_SWIFT_FULL = 0,
    /// Swift's "simplified UI" options (`swift-demangle -simplified`): no module names,
    /// argument labels only.
    CRASHPIPE_SWIFT_SIMPLIFIED = 1,
    /// Simplified, but with argument types (what Sentry shows with parameters).
    CRASHPIPE_SWIFT_SIMPLIFIED_WITH_TYPES = 2,
};

/// Whether the toolchain's demangler library (libswiftDemangle) could be loaded. Without it,
/// only CRASHPIPE_SWIFT_FULL is available, through the Swift runtime's `swift_demangle`.
int crashpipe_swift_demangler_library_loaded(void);

/// Where the demangler library was loaded from, or NULL.
const char *crashpipe_swift_demangler_library_path(void);

/// Demangles `length` bytes of `name`. Returns a string the caller frees with `free`, or NULL
/// when the name is not a Swift mangling (or the form is unavailable).
char *crashpipe_swift_demangle(const char *name, size_t length, int form);

#ifdef __cplusplus
}
#endif

#endif
