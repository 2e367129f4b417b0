/// The built-in lists of frames a signature skips or continues past, after Socorro's
/// `irrelevant_signature_re.txt` and `prefix_signature_re.txt`, cut down to what is general
/// (no Firefox internals) and extended for glibc, macOS, Windows, Rust and Swift crash paths.
/// Patterns match at the start of a normalized name (see ``FramePatterns``).
public enum DefaultFrameLists {
    /// Frames that say nothing about the bug: how the process died (abort, raise, exception
    /// throwing and dispatch, panics, assertion reporting), allocators and the C library's
    /// memory and string routines, process and thread entry points below `main`, and
    /// addresses outside every module.
    public static let irrelevant: [String] = [
        // Addresses without a module (`@0x7ffd1234`); `@0x0`, a call through null, is a prefix.
        #"@0x[0-9a-fA-F]{2,}$"#, #"@0x[1-9a-fA-F]$"#,
        // abort and signals (glibc, musl, macOS).
        "abort$", "__abort$", "_abort$", "__GI_", "raise$", "gsignal$", "__pthread_kill", "pthread_kill$",
        "_sigtramp$", "__restore_rt$", "__libc_message", "__libc_fatal", "__fortify_fail", "__chk_fail",
        "std::abort$", "std::process::abort",
        // Assertions (glibc, macOS, MSVC, GLib).
        "__assert_fail", "__assert_perror_fail", "__assert_rtn$", "__assert$", "_assert$", "_wassert$",
        "g_assertion_message",
        // C++ exceptions and termination.
        "std::terminate$", "std::__terminate", "__cxxabiv1::__terminate", "__gnu_cxx::__verbose_terminate_handler",
        "__cxa_throw$", "__cxa_rethrow$", "__cxa_call_terminate", "__cxa_call_unexpected", "__cxa_bad_cast$",
        "_CxxThrowException$", "CxxThrowException$", "_Unwind_Resume$", "_Unwind_RaiseException$",
        // Windows exception dispatch.
        "RaiseException$", "RtlRaiseException$", "KiUserExceptionDispatch", "RtlDispatchException$",
        "RtlpExecuteHandlerForException$", "_C_specific_handler$", "__C_specific_handler$", "RtlFailFast2$",
        "KiRaiseUserExceptionDispatcher$",
        // Objective-C and Swift.
        "objc_exception_throw$", "objc_exception_rethrow$", "objc_terminate$", "__exceptionPreprocess$",
        #"[-+]\[NSException raise"#, "swift_reportError", "_swift_runtime_on_report", "swift_runtime_on_report",
        "_swift_stdlib_reportFatalError", #"Swift\._assertionFailure"#, #"Swift\._fatalErrorMessage"#,
        "swift::fatalError",
        // Rust panics.
        "panic_abort::", "__rust_start_panic$", "rust_panic$", "rust_begin_unwind$", "__rust_end_short_backtrace",
        "core::panicking::", "std::panicking::", "std::panic::", "core::panic::",
        "std::sys_common::backtrace::__rust_end_short_backtrace", "std::sys::backtrace::__rust_end_short_backtrace",
        "std::sys::pal::unix::abort_internal", "std::sys::unix::abort_internal", "std::rt::lang_start_internal",
        // Allocators.
        "malloc$", "free$", "calloc$", "realloc$", "reallocf$", "valloc$", "memalign$", "aligned_alloc$",
        "posix_memalign$", "cfree$", "__libc_malloc", "__libc_free", "__libc_calloc", "__libc_realloc",
        "_int_malloc", "_int_free", "_int_realloc", "malloc_consolidate", "malloc_printerr", "__malloc_",
        "operator new", "operator delete", "je_", "moz_xmalloc", "moz_xcalloc", "moz_xrealloc", "moz_xmemdup",
        "tc_malloc", "tc_free", "tcmalloc::", "mi_malloc", "mi_free", "_malloc_base$", "_free_base$",
        "_calloc_base$", "_realloc_base$", "RtlAllocateHeap$", "RtlFreeHeap$", "RtlReAllocateHeap$",
        "HeapAlloc$", "HeapFree$", "malloc_zone_", "_malloc_zone_", "szone_", "nanov2_", "_nanov2_",
        "__rust_alloc", "__rust_dealloc", "__rust_realloc", "__rdl_alloc", "__rdl_dealloc",
        "alloc::alloc::", "std::alloc::",
        // Memory and string routines (and their CPU-specific variants).
        "memcpy$", "memmove$", "memset$", "memcmp$", "bcmp$", "bzero$", "strlen$", "strnlen$", "strcmp$",
        "strncmp$", "strcpy$", "strncpy$", "strcat$", "strchr$", "strrchr$", "strstr$", "wcslen$", "wcscmp$",
        "wmemcpy$", "wmemset$", "__(mem|wmem)(cpy|move|set|cmp|chr|rchr)", "__stpn?cpy",
        "__str(n?len|n?cmp|n?cpy|n?cat|r?chr|str|n?casecmp|dup|spn|cspn|pbrk)", "__wcs(n?len|n?cmp|n?cpy|r?chr)",
        "_platform_", "_VEC_mem",
        "compiler_builtins::mem::",
        // Process and thread entry scaffolding below `main` and thread functions.
        "__libc_start_main", "__libc_start_call_main", "_start$", "start_thread$", "clone$", "clone3$", "__clone",
        "thread_start$", "_pthread_start$", "_pthread_body$", "BaseThreadInitThunk$", "BaseProcessStart$",
        "BaseThreadStart$", "RtlUserThreadStart$", "_RtlUserThreadStart$", "__RtlUserThreadStart$",
        "__scrt_common_main", "invoke_main$", "w?mainCRTStartup$", "WinMainCRTStartup$", "__tmainCRTStartup$",
        "std::sys::pal::unix::thread::Thread::new::thread_start", "std::sys::unix::thread::Thread::new::thread_start",
        // Stack probes and guards.
        "_chkstk$", "__chkstk$", "___chkstk_ms$", "__security_check_cookie$", "_security_check_cookie$",
    ]

    /// Frames that are part of the signature but too general to end it: the next frame is
    /// always added after one (a crash in `objc_msgSend` is about its caller).
    public static let prefix: [String] = [
        "@0x0$",
        "objc_msgSend", "objc_release$", "objc_retain$", "objc_autorelease$", "CFRelease$", "CFRetain$",
        #"-\[NSObject\(NSObject\) doesNotRecognizeSelector:\]"#, #"-\[NSObject doesNotRecognizeSelector:\]"#,
        "___forwarding___$", "_CF_forwarding_prep_",
        "pthread_mutex_lock$", "pthread_mutex_unlock$", "__pthread_mutex_lock", "pthread_cond_wait",
        "EnterCriticalSection$", "LeaveCriticalSection$", "RtlEnterCriticalSection$", "RtlLeaveCriticalSection$",
        "RtlpWaitOnCriticalSection$", "RtlAcquireSRWLock", "RtlpCallVectoredHandlers$", "RtlpCallVectoredExceptionHandlers$",
        "__cxa_pure_virtual$", "_purecall$", "__stack_chk_fail$", "std::__throw_",
        "core::result::unwrap_failed$", "core::option::unwrap_failed$", "core::option::expect_failed$",
        "core::ptr::drop_in_place", "core::slice::index::", "core::str::slice_error_fail",
        "alloc::raw_vec::capacity_overflow$", "alloc::raw_vec::handle_error$",
        "syscall$", "__syscall",
    ]
}
