/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "core.h"

#define CAPTURE_MAX (256 * 1024)

static void append(char **buf, size_t *len, const char *data, size_t n)
{
        if (*len + n > CAPTURE_MAX)
                return;
        char *b = realloc(*buf, *len + n + 1);
        if (!b)
                return;
        memcpy(b + *len, data, n);
        *len += n;
        b[*len] = 0;
        *buf = b;
}

/* The last non-empty line of a program's stderr: what a one-line error shows. */
static const char *last_line(char *s)
{
        if (!s)
                return "";
        size_t n = strlen(s);
        while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
                s[--n] = 0;
        char *nl = strrchr(s, '\n');
        return nl ? nl + 1 : s;
}

/* Kills every process the supervisor still has below it: the program's
 * group at once, then its children one by one until none is left, since
 * as a subreaper it inherits each process orphaned beneath it (those in
 * a session or group of their own included).  Bounded: SIGKILLed
 * processes cannot fork, so each round leaves fewer. */
static void kill_descendants(pid_t group)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int) getpid());
        kill(-group, SIGKILL);
        for (int round = 0; round < 10000; round++) {
                int fd = open(path, O_RDONLY | O_CLOEXEC);
                char buf[4096];
                ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
                if (fd >= 0)
                        close(fd);
                buf[n > 0 ? n : 0] = 0;
                for (char *p = buf, *end; *p; p = end) {
                        long child = strtol(p, &end, 10);
                        if (end == p)
                                break;
                        if (child > 0)
                                kill((pid_t) child, SIGKILL);
                }
                if (waitpid(-1, NULL, 0) < 0 && errno == ECHILD)
                        return;
        }
}

/* The forked child of run_argv: it runs the program in a process group of
 * its own, as a child subreaper, and ends with the program's status once
 * it has killed whatever the program left behind.  When its caller dies
 * (PDEATHSIG, even by SIGKILL) it kills the program and all its
 * descendants then exits: a killed CLI leaves no mke2fs, cp or
 * debootstrap, nor debootstrap's dpkg, tar or wget, writing into the
 * state root.  The program's wait status also goes to status_fd: a caller
 * that ignores SIGCHLD has its children reaped by the kernel, so waitpid
 * could not tell it.  Only async-signal-safe calls: the caller may have
 * threads. */
_Noreturn static void supervise(pid_t caller, char *const argv[], int out_fd, int err_fd, int status_fd)
{
        /* it waits for SIGCHLD and SIGTERM (its death signal); a terminal's
         * SIGINT, SIGHUP or SIGQUIT reach it through the caller's group:
         * they kill the caller, whose death is what it acts on */
        sigset_t set, quiet, old;
        sigemptyset(&set);
        sigaddset(&set, SIGCHLD);
        sigaddset(&set, SIGTERM);
        quiet = set;
        sigaddset(&quiet, SIGINT);
        sigaddset(&quiet, SIGHUP);
        sigaddset(&quiet, SIGQUIT);
        sigprocmask(SIG_BLOCK, &quiet, &old);
        signal(SIGCHLD, SIG_DFL); /* the caller's SIG_IGN would reap the program's status away */
        prctl(PR_SET_CHILD_SUBREAPER, 1);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != caller)
                _exit(127);
        int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        pid_t self = getpid();
        pid_t prog = fork();
        if (prog < 0)
                _exit(127);
        if (prog == 0) {
                /* and if the supervisor itself is SIGKILLed, the program at least */
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() != self)
                        _exit(127);
                setpgid(0, 0);
                sigprocmask(SIG_SETMASK, &old, NULL);
                dup2(devnull, 0);
                dup2(out_fd >= 0 ? out_fd : devnull, 1);
                dup2(err_fd, 2);
                execvp(argv[0], argv);
                dprintf(2, "cannot execute %s: %s\n", argv[0], strerror(errno));
                _exit(127);
        }
        setpgid(prog, prog); /* before any kill of the group, whichever of the two runs first */
        /* the pipes' ends belong to the program: the caller sees their end
         * when the program and what it left are gone */
        if (out_fd >= 0)
                close(out_fd);
        close(err_fd);
        int status = 0;
        for (bool done = false; !done;) {
                int sig = sigwaitinfo(&set, NULL);
                if (sig == SIGTERM) {
                        kill_descendants(prog);
                        _exit(128 + SIGTERM);
                }
                pid_t w;
                int st;
                while ((w = waitpid(-1, &st, WNOHANG)) > 0)
                        if (w == prog) {
                                status = st;
                                done = true;
                        }
        }
        kill_descendants(prog);
        (void) !write(status_fd, &status, sizeof(status));
        if (WIFEXITED(status))
                _exit(WEXITSTATUS(status));
        /* the program's own death, for the caller's message; no core of ours */
        struct rlimit none = { 0, 0 };
        setrlimit(RLIMIT_CORE, &none);
        signal(WTERMSIG(status), SIG_DFL);
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_UNBLOCK, &all, NULL);
        raise(WTERMSIG(status));
        _exit(128 + WTERMSIG(status));
}

int run_argv(bl_ctx *ctx, const char *what, char *const argv[], int out_fd, char **ret_stdout)
{
        int errp[2], outp[2] = { -1, -1 }, statp[2];
        if (pipe2(statp, O_CLOEXEC) < 0)
                return ctx_fail(ctx, errno, "%s: pipe: %m", what);
        _cleanup_close_ int status_in = statp[0];
        if (pipe2(errp, O_CLOEXEC) < 0) {
                close(statp[1]);
                return ctx_fail(ctx, errno, "%s: pipe: %m", what);
        }
        if (ret_stdout && pipe2(outp, O_CLOEXEC) < 0) {
                close(errp[0]);
                close(errp[1]);
                close(statp[1]);
                return ctx_fail(ctx, errno, "%s: pipe: %m", what);
        }
        pid_t parent = getpid();
        pid_t pid = fork();
        if (pid < 0) {
                int e = errno;
                close(errp[0]); close(errp[1]); close(statp[1]);
                if (outp[0] >= 0) { close(outp[0]); close(outp[1]); }
                return ctx_fail(ctx, e, "%s: fork: %s", what, strerror(e));
        }
        if (pid == 0)
                supervise(parent, argv, ret_stdout ? outp[1] : out_fd, errp[1], statp[1]);
        close(errp[1]);
        close(statp[1]);
        if (outp[1] >= 0)
                close(outp[1]);

        _cleanup_free_ char *err = NULL, *out = NULL;
        size_t errlen = 0, outlen = 0;
        struct pollfd pfd[2] = { { .fd = errp[0], .events = POLLIN }, { .fd = outp[0], .events = POLLIN } };
        int open_fds = outp[0] >= 0 ? 2 : 1;
        uint64_t t0 = now_usec();
        while (open_fds > 0) {
                /* a long program (mke2fs of a large image, debootstrap) shows
                 * that it works: elapsed time, total unknown */
                int ready = poll(pfd, 2, 500);
                if (ready == 0) {
                        ctx_progress(ctx, argv[0], (now_usec() - t0) / 1000, 0);
                        continue;
                }
                if (ready < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                for (int i = 0; i < 2; i++) {
                        if (pfd[i].fd < 0 || !pfd[i].revents)
                                continue;
                        char buf[4096];
                        ssize_t n = read(pfd[i].fd, buf, sizeof(buf));
                        if (n <= 0) {
                                close(pfd[i].fd);
                                pfd[i].fd = -1;
                                open_fds--;
                                continue;
                        }
                        if (i == 0)
                                append(&err, &errlen, buf, (size_t) n);
                        else
                                append(&out, &outlen, buf, (size_t) n);
                }
        }
        for (int i = 0; i < 2; i++)
                if (pfd[i].fd >= 0)
                        close(pfd[i].fd);

        /* the status from the supervisor itself; then reaped, unless the
         * kernel did it already (the caller ignores SIGCHLD) */
        int status = 0, wstatus;
        ssize_t got;
        while ((got = read(status_in, &status, sizeof(status))) < 0 && errno == EINTR)
                ;
        pid_t w;
        while ((w = waitpid(pid, &wstatus, 0)) < 0 && errno == EINTR)
                ;
        if (got != (ssize_t) sizeof(status)) {
                /* it died before saying (killed): its own status tells */
                if (w < 0)
                        return ctx_fail(ctx, EIO, "%s: %s: its supervisor ended without a status", what, argv[0]);
                status = wstatus;
        }
        if (now_usec() - t0 >= 500000)
                ctx_progress(ctx, argv[0], 1, 1);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                if (ret_stdout)
                        *ret_stdout = out ? steal_ptr(&out) : strdup("");
                return 0;
        }
        if (WIFEXITED(status))
                return ctx_fail(ctx, EIO, "%s: %s exited with status %d: %s", what, argv[0], WEXITSTATUS(status), last_line(err));
        return ctx_fail(ctx, EIO, "%s: %s killed by signal %d", what, argv[0], WTERMSIG(status));
}
