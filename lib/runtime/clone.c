/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Children the library waits for itself, whatever its host program does
 * with SIGCHLD: they are created with no exit signal (the kernel then never
 * reaps them on its own, even when the caller ignores SIGCHLD, and the
 * caller's SIGCHLD handler never hears of them) and waited for through
 * their pidfd.  Exec sets the exit signal back to SIGCHLD (the kernel's
 * de_thread), so a child that executes a program may still be reaped by
 * an ignored SIGCHLD or a caller's waitpid(-1): its end is then read from
 * its pidfd (pollable after any reaping) and its status from a channel of
 * its own (the exec relay's status pipe, a container's exit-status file).
 * clone3 first; clone where it is unknown (valgrind, old
 * kernels, a seccomp filter that answers ENOSYS).
 */
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "runtime.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static pid_t clone_legacy(uint64_t flags, int *ret_pidfd)
{
        /* the low byte is the exit signal: 0.  With CLONE_PIDFD the pidfd
         * comes back in the parent_tid argument; no stack: fork's semantics */
#if defined(__s390x__) || defined(__s390__) || defined(__CRIS__)
        return (pid_t) syscall(SYS_clone, 0, (unsigned long) (flags | CLONE_PIDFD), ret_pidfd, NULL, 0);
#else
        return (pid_t) syscall(SYS_clone, (unsigned long) (flags | CLONE_PIDFD), 0, ret_pidfd, NULL, 0);
#endif
}

pid_t runtime_clone(uint64_t flags, int *ret_pidfd)
{
        int pidfd = -1;
        long pid = -1;
        /* BALEINE_NO_CLONE3 (test builds): the fallback, as under valgrind */
        bool no_clone3 = test_knob("BALEINE_NO_CLONE3") != NULL;
        errno = ENOSYS;
        if (!no_clone3) {
                struct clone_args args = {
                        .flags = flags | CLONE_PIDFD,
                        .pidfd = (uint64_t) (uintptr_t) &pidfd,
                        .exit_signal = 0,
                };
                pid = syscall(SYS_clone3, &args, sizeof(args));
        }
        if (pid < 0 && errno == ENOSYS)
                pid = clone_legacy(flags, &pidfd);
        if (pid < 0)
                return -errno;
        if (pid == 0)
                return 0;
        *ret_pidfd = pidfd;
        return (pid_t) pid;
}

void child_reset_signals(void)
{
        /* what the caller set up is its own: the child starts from the
         * defaults (an ignored SIGCHLD would make its init lose the
         * program's status, a blocked SIGTERM would deafen it) */
        struct sigaction dfl = { .sa_handler = SIG_DFL };
        for (int s = 1; s < NSIG; s++)
                sigaction(s, &dfl, NULL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
}

int runtime_wait(int pidfd, int status_fd, int *ret_code)
{
        /* the status the child wrote itself, when it has a channel: what
         * counts, since it outlives a reaping by somebody else */
        int32_t code = -1;
        bool have = false;
        if (status_fd >= 0) {
                ssize_t k;
                while ((k = read(status_fd, &code, sizeof(code))) < 0 && errno == EINTR)
                        ;
                have = k == (ssize_t) sizeof(code);
        }
        /* its end: pollable even once reaped */
        struct pollfd p = { .fd = pidfd, .events = POLLIN };
        while (poll(&p, 1, -1) < 0)
                if (errno != EINTR)
                        return -errno;
        siginfo_t si = { 0 };
        int r;
        while ((r = waitid((idtype_t) P_PIDFD, (id_t) pidfd, &si, WEXITED | __WALL | WNOHANG)) < 0 && errno == EINTR)
                ;
        if (!have && r == 0 && si.si_pid != 0) {
                code = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
                have = true;
        }
        if (!have)
                return -ECHILD; /* reaped by somebody else, and no channel */
        if (ret_code)
                *ret_code = code;
        return 0;
}
