/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * baleine-init: a small static program, executed from a sealed memfd copy
 * (init_binary.c), never from its host file.  Two modes:
 *  - PID 1 of a container (init.c): it costs the host the few pages it
 *    uses rather than a copy of the program that started it.
 *    baleine-init PROGRAM_PID STATUS_FD LOG_FD LOG_OLD_FD LOG_MAX RELAY_FD GO_FD
 *  - the last step of every process entering a container, confined
 *    already: it executes the user's program, so the process the container
 *    sees before that is this sealed copy, not a host binary.
 *    baleine-init --exec REPORT_FD ARGC ARG... ENV...
 * Anything else (a "#!/proc/self/exe" program reaches it so) exits 126.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "runtime.h"

extern char **environ;

/* Start-up touched most of this small static program; let the host take
 * those pages back (the loop faults in the few it uses, one by one). */
static void settle(void)
{
        extern char __executable_start[], end[];
        uintptr_t a = (uintptr_t) __executable_start & ~(uintptr_t) 4095;
        madvise((void *) a, (size_t) ((uintptr_t) end - a), MADV_RANDOM);
        madvise((void *) a, (size_t) ((uintptr_t) end - a), MADV_PAGEOUT);
}

static int exec_program(int argc, char **argv)
{
        if (argc < 5)
                return 126;
        int report = atoi(argv[2]);
        long n = atol(argv[3]);
        if (report < 3 || n < 1 || n > argc - 4)
                return 126;
        /* the program's arguments one slot down, over ARGC: a NULL-ended
         * array followed by its environment (which argv's NULL ends) */
        char **args = argv + 3, **env = argv + 4 + n;
        for (long i = 0; i < n; i++)
                args[i] = args[i + 1];
        args[n] = NULL;
        fcntl(report, F_SETFD, FD_CLOEXEC);
        environ = env;
        execvp(args[0], args);
        int e = errno;
        char err[256];
        snprintf(err, sizeof(err), "program \"%s\": %s", args[0], e == ENOENT ? "not found in the image" : strerror(e));
        report_and_exit(report, e, e == ENOENT ? 127 : 126, err);
}

int main(int argc, char **argv)
{
        /* first of all: not dumpable again (exec made it dumpable, if its
         * caller had not seen to it) */
        prctl(PR_SET_DUMPABLE, 0);
        if (argc >= 2 && strcmp(argv[1], INIT_EXEC_MODE) == 0)
                return exec_program(argc, argv);
        /* the init is PID 1 of its namespace, as nothing the container runs is */
        if (argc != 8 || getpid() != 1)
                return 126;
        struct init_params p = {
                .program = (pid_t) atoi(argv[1]),
                .status_fd = atoi(argv[2]),
                .log_fd = atoi(argv[3]),
                .log_old_fd = atoi(argv[4]),
                .log_max = strtoull(argv[5], NULL, 10),
                .relay_fd = atoi(argv[6]),
                .go_fd = atoi(argv[7]),
                .settle = settle,
        };
        init_run(&p);
}
