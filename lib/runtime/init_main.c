/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * baleine-init: a small static program, executed from a sealed memfd copy
 * (init_binary.c), never from its host file.  Two modes:
 *  - PID 1 of a container (init.c): it costs the host the few pages it
 *    uses rather than a copy of the program that started it.
 *    baleine-init PROGRAM_PID STATUS_FD LOG_FD LOG_OLD_FD LOG_MAX RELAY_FD GO_FD
 *                 RELAY_ERR_FD TEE_OUT_FD TEE_ERR_FD
 *  - every process entering a container (join.c): it confines itself with
 *    what the library prepared and executes the user's program, forking it
 *    first for exec, so the only process the container ever sees before
 *    the program is this sealed copy, never a host binary.
 *    baleine-init --join PARAMS_FD
 * Anything else (a "#!/proc/self/exe" program reaches it so) exits 126.
 */
#include <stdlib.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "runtime.h"

/* Start-up touched most of this small static program; let the host take
 * those pages back (the loop faults in the few it uses, one by one). */
static void settle(void)
{
        extern char __executable_start[], end[];
        uintptr_t a = (uintptr_t) __executable_start & ~(uintptr_t) 4095;
        madvise((void *) a, (size_t) ((uintptr_t) end - a), MADV_RANDOM);
        madvise((void *) a, (size_t) ((uintptr_t) end - a), MADV_PAGEOUT);
}

int main(int argc, char **argv)
{
        /* first of all: not dumpable again (exec made it dumpable, if its
         * caller had not seen to it) */
        prctl(PR_SET_DUMPABLE, 0);
        if (argc == 3 && strcmp(argv[1], JOIN_MODE) == 0) {
                char *end;
                long fd = strtol(argv[2], &end, 10);
                if (*end || end == argv[2] || fd < 3 || fd > INT32_MAX)
                        return 126;
                join_run((int) fd);
        }
        /* the init is PID 1 of its namespace, as nothing the container runs is */
        if (argc != 11 || getpid() != 1)
                return 126;
        struct init_params p = {
                .program = (pid_t) atoi(argv[1]),
                .status_fd = atoi(argv[2]),
                .log_fd = atoi(argv[3]),
                .log_old_fd = atoi(argv[4]),
                .log_max = strtoull(argv[5], NULL, 10),
                .relay_fd = atoi(argv[6]),
                .go_fd = atoi(argv[7]),
                .relay_err_fd = atoi(argv[8]),
                .tee_fd = { atoi(argv[9]), atoi(argv[10]) },
                .settle = settle,
        };
        init_run(&p);
}
