extension CrashReasons {
    /// Linux and Android signals as Breakpad names them.
    ///
    /// Consumes a record whose code is the signal number (Linux numbering, as on x86 and ARM)
    /// and whose flags are the `si_code`; produces "SIGILL / ILL_ILLOPC", "SIGSEGV /SEGV_MAPERR",
    /// "SIGABRT", "DUMP_REQUESTED", …. For SIGILL, SIGBUS, SIGFPE and SIGSEGV an unknown
    /// `si_code` is printed as `0x%08x`. Breakpad writes SIGSEGV's separator without the
    /// trailing space ("SIGSEGV /"), and that quirk is kept. Returns nil for unknown signals.
    enum Linux {
        /// Breakpad's code for a dump written on request rather than for a crash.
        static let dumpRequested: UInt32 = 0xFFFF_FFFF

        /// Signal number to name, with the separator put before the `si_code` for the four
        /// signals that carry one.
        static let signals: [UInt32: String] = [
            1: "SIGHUP",
            2: "SIGINT",
            3: "SIGQUIT",
            4: "SIGILL / ",
            5: "SIGTRAP",
            6: "SIGABRT",
            7: "SIGBUS / ",
            8: "SIGFPE / ",
            9: "SIGKILL",
            10: "SIGUSR1",
            11: "SIGSEGV /",
            12: "SIGUSR2",
            13: "SIGPIPE",
            14: "SIGALRM",
            15: "SIGTERM",
            16: "SIGSTKFLT",
            17: "SIGCHLD",
            18: "SIGCONT",
            19: "SIGSTOP",
            20: "SIGTSTP",
            21: "SIGTTIN",
            22: "SIGTTOU",
            23: "SIGURG",
            24: "SIGXCPU",
            25: "SIGXFSZ",
            26: "SIGVTALRM",
            27: "SIGPROF",
            28: "SIGWINCH",
            29: "SIGIO",
            30: "SIGPWR",
            31: "SIGSYS",
            dumpRequested: "DUMP_REQUESTED",
        ]

        /// `si_code` names for SIGILL (4), SIGBUS (7), SIGFPE (8) and SIGSEGV (11), from
        /// asm-generic/siginfo.h. Only these four signals get a `si_code` in the reason.
        static let signalCodes: [UInt32: [UInt32: String]] = [
            4: [
                1: "ILL_ILLOPC",
                2: "ILL_ILLOPN",
                3: "ILL_ILLADR",
                4: "ILL_ILLTRP",
                5: "ILL_PRVOPC",
                6: "ILL_PRVREG",
                7: "ILL_COPROC",
                8: "ILL_BADSTK",
            ],
            7: [
                1: "BUS_ADRALN",
                2: "BUS_ADRERR",
                3: "BUS_OBJERR",
                4: "BUS_MCEERR_AR",
                5: "BUS_MCEERR_AO",
            ],
            8: [
                1: "FPE_INTDIV",
                2: "FPE_INTOVF",
                3: "FPE_FLTDIV",
                4: "FPE_FLTOVF",
                5: "FPE_FLTUND",
                6: "FPE_FLTRES",
                7: "FPE_FLTINV",
                8: "FPE_FLTSUB",
            ],
            11: [
                1: "SEGV_MAPERR",
                2: "SEGV_ACCERR",
                3: "SEGV_BNDERR",
                4: "SEGV_PKUERR",
                5: "SEGV_ACCADI",
                6: "SEGV_ADIDERR",
                7: "SEGV_ADIPERR",
                8: "SEGV_MTEAERR",
                9: "SEGV_MTESERR",
            ],
        ]

        /// Names the record, or nil when Breakpad leaves the signal as hex.
        static func describe(_ record: Record) -> String? {
            guard let signal = signals[record.code] else { return nil }
            guard let codes = signalCodes[record.code] else { return signal }
            return signal + (codes[record.flags] ?? hex8(record.flags))
        }
    }

    /// Solaris signals as Breakpad names them.
    ///
    /// Consumes a record whose code is a Solaris signal number (sys/iso/signal_iso.h);
    /// produces the bare signal name, with both names for the numbers that have an alias
    /// ("SIGIOT | SIGABRT"). Breakpad ignores the flags here. Returns nil for unknown signals.
    enum Solaris {
        /// Signal number to name.
        static let signals: [UInt32: String] = [
            1: "SIGHUP",
            2: "SIGINT",
            3: "SIGQUIT",
            4: "SIGILL",
            5: "SIGTRAP",
            6: "SIGIOT | SIGABRT",
            7: "SIGEMT",
            8: "SIGFPE",
            9: "SIGKILL",
            10: "SIGBUS",
            11: "SIGSEGV",
            12: "SIGSYS",
            13: "SIGPIPE",
            14: "SIGALRM",
            15: "SIGTERM",
            16: "SIGUSR1",
            17: "SIGUSR2",
            18: "SIGCLD | SIGCHLD",
            19: "SIGPWR",
            20: "SIGWINCH",
            21: "SIGURG",
            22: "SIGPOLL | SIGIO",
            23: "SIGSTOP",
            24: "SIGTSTP",
            25: "SIGCONT",
            26: "SIGTTIN",
            27: "SIGTTOU",
            28: "SIGVTALRM",
            29: "SIGPROF",
            30: "SIGXCPU",
            31: "SIGXFSZ",
            32: "SIGWAITING",
            33: "SIGLWP",
            34: "SIGFREEZE",
            35: "SIGTHAW",
            36: "SIGCANCEL",
            37: "SIGLOST",
            38: "SIGXRES",
            39: "SIGJVM1",
            40: "SIGJVM2",
        ]

        /// Names the record, or nil when Breakpad leaves the signal as hex.
        static func describe(_ record: Record) -> String? {
            signals[record.code]
        }
    }
}
