#ifndef CRASHPIPE_ITANIUM_DEMANGLE_SHIM_H
#define CRASHPIPE_ITANIUM_DEMANGLE_SHIM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Demangles an Itanium C++ ABI name (starting with `_Z`) with the C++ runtime's
/// `__cxa_demangle`. Returns a string the caller frees with `free`, or NULL when the name is
/// not a valid mangling. `length` bytes of `name` are read; no NUL is needed.
char *crashpipe_cxa_demangle(const char *name, size_t length);

#ifdef __cplusplus
}
#endif

#endif
