/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * baleine-init: PID 1 of a container, a small static program executed by
 * the container's first process, so each container's init costs the host
 * the few pages it uses rather than a copy of the program that started it.
 * usage (by baleine only): baleine-init PROGRAM_PID STATUS_FD LOG_FD
 *                          LOG_OLD_FD LOG_MAX RELAY_FD GO_FD
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
        /* first of all: not dumpable again (exec made it dumpable) */
        prctl(PR_SET_DUMPABLE, 0);
        if (argc != 8)
                return 125;
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
