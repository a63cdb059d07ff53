/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * baleine-init --join FD: the sealed copy confines itself with what the
 * library prepared (join_params) and executes the program, or, for exec,
 * forks it into the container's pid namespace, born confined, and stays
 * outside as its relay.  A host program of baleine never shows inside a
 * container, not even to a process there allowed to trace (CAP_SYS_PTRACE).
 * The library resolved names and compiled the filter: here only system
 * calls, no library beyond libc.
 */
#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime.h"

#ifndef CLOSE_RANGE_CLOEXEC /* musl's unistd.h has it not */
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

extern char **environ;

struct join {
        struct join_params h;
        struct sock_fprog filter;
        const char *workdir;
        char **argv, **envp;
};

/* The message, checked whole: counts, bounds, ending NULs. */
static int join_read(int fd, struct join *j)
{
        struct stat st;
        if (fstat(fd, &st) < 0 || st.st_size < (off_t) sizeof(j->h) || st.st_size > (off_t) (UINT32_MAX / 2))
                return -EINVAL;
        size_t size = (size_t) st.st_size;
        char *buf = malloc(size + 1);
        if (!buf)
                return -ENOMEM;
        for (size_t off = 0; off < size;) {
                ssize_t k = pread(fd, buf + off, size - off, (off_t) off);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return -EIO;
                off += (size_t) k;
        }
        buf[size] = 0;
        memcpy(&j->h, buf, sizeof(j->h));
        size_t flen = (size_t) j->h.filter_len * sizeof(struct sock_filter);
        if (j->h.magic != JOIN_MAGIC || j->h.size != size || j->h.argc < 1 || j->h.filter_len > BPF_MAXINSNS ||
            flen > size - sizeof(j->h) || j->h.argc > size || j->h.envc > size)
                return -EINVAL;
        j->filter.len = (unsigned short) j->h.filter_len;
        j->filter.filter = (struct sock_filter *) (void *) (buf + sizeof(j->h));
        j->argv = calloc((size_t) j->h.argc + 1, sizeof(char *));
        j->envp = calloc((size_t) j->h.envc + 1, sizeof(char *));
        if (!j->argv || !j->envp)
                return -ENOMEM;
        /* workdir, then argc then envc strings, each ending before the end */
        char *p = buf + sizeof(j->h) + flen, *end = buf + size;
        uint32_t total = 1 + j->h.argc + j->h.envc;
        for (uint32_t i = 0; i < total; i++) {
                char *nul = p < end ? memchr(p, 0, (size_t) (end - p)) : NULL;
                if (!nul)
                        return -EINVAL;
                if (i == 0)
                        j->workdir = p;
                else if (i <= j->h.argc)
                        j->argv[i - 1] = p;
                else
                        j->envp[i - 1 - j->h.argc] = p;
                p = nul + 1;
        }
        return p == end ? 0 : -EINVAL;
}

static _Noreturn void fail(const struct join *j, int e, const char *what)
{
        report_fail(j->h.report_fd, 126, e, "%s: %s", what, strerror(e));
}

/* Working directory, user, capabilities, no_new_privs, seccomp: what the
 * program runs with, and, for exec, this relay too. */
static void confine(const struct join *j)
{
        char what[300];
        if (chdir(j->workdir) < 0) {
                snprintf(what, sizeof(what), "working directory \"%.200s\"", j->workdir);
                fail(j, errno, what);
        }
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                fail(j, errno, "cannot clear ambient capabilities");
        if (drop_bounding(j->h.caps) < 0)
                fail(j, errno, "cannot drop capabilities");
        if (j->h.uid != 0 || j->h.gid != 0) {
                if (setgroups(0, NULL) < 0 || setresgid(j->h.gid, j->h.gid, j->h.gid) < 0 ||
                    setresuid(j->h.uid, j->h.uid, j->h.uid) < 0) {
                        snprintf(what, sizeof(what), "cannot become user %u:%u", j->h.uid, j->h.gid);
                        fail(j, errno, what);
                }
                /* new ids: not dumpable, whatever the kernel chose */
                prctl(PR_SET_DUMPABLE, 0);
        }
        /* a non-root user keeps none (as Docker); root keeps the set, never
         * more than it has (root here may lack CAP_SYS_RESOURCE) */
        uint64_t c = j->h.uid == 0 ? j->h.caps & caps_current() : 0;
        if (capset_mask(c, c, 0) < 0)
                fail(j, errno, "cannot set capabilities");
        if (j->h.no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                fail(j, errno, "cannot set no_new_privs");
        if (j->filter.len && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &j->filter, 0, 0) < 0)
                fail(j, errno, "seccomp: cannot load the filter");
}

/* Its own session, its stdio (or a terminal), no other descriptor past
 * the exec, default signals; then the program.  The report descriptor
 * closes as the program starts: the library reads that as success. */
static _Noreturn void become_program(const struct join *j)
{
        setsid();
        if (j->h.pty_slave >= 0) {
                for (int i = 0; i < 3; i++)
                        dup2(j->h.pty_slave, i);
                ioctl(0, TIOCSCTTY, 0);
        } else
                for (int i = 0; i < 3; i++)
                        if (j->h.stdio[i] >= 0 && j->h.stdio[i] != i)
                                dup2(j->h.stdio[i], i);
        syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
        /* the last wait: the init must be ready before the program runs */
        if (j->h.go_fd >= 0) {
                char go;
                (void) !read(j->h.go_fd, &go, 1);
                close(j->h.go_fd);
        }
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int s = 1; s < NSIG; s++)
                signal(s, SIG_DFL);
        environ = j->envp;
        execvp(j->argv[0], j->argv);
        int e = errno;
        report_fail(j->h.report_fd, e == ENOENT ? 127 : 126, e, "program \"%.200s\": %s", j->argv[0],
                    e == ENOENT ? "not found in the image" : strerror(e));
}

_Noreturn void join_run(int params_fd)
{
        struct join j = { 0 };
        int r = join_read(params_fd, &j);
        if (r < 0)
                _exit(126); /* not a message of the library: nothing to report to */
        close(params_fd);
        confine(&j);
        /* new ids cleared it: the relay still dies with its caller */
        if (j.h.fork)
                prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (!j.h.fork)
                become_program(&j);
        pid_t child = fork();
        if (child < 0)
                fail(&j, errno, "cannot fork the program");
        if (child == 0)
                become_program(&j);
        /* the relay holds nothing of the program's but the host ends of its
         * pipes; with a terminal, nothing at all (not the caller's) */
        bool relay = j.h.relay[0] >= 0;
        int keep[7];
        memcpy(keep, j.h.relay, sizeof(j.h.relay));
        keep[6] = j.h.status_fd;
        if (!relay)
                for (int i = 0; i < 6; i++)
                        keep[i] = -1;
        close_fds_except(keep, 7);
        if (!relay)
                for (int fd = 0; fd < 3; fd++)
                        close(fd);
        int code;
        if (relay)
                code = relay_until_exit(child, j.h.relay, j.h.relay[3], j.h.relay[4], j.h.relay[5]);
        else {
                int st;
                while (waitpid(child, &st, 0) < 0)
                        if (errno != EINTR)
                                _exit(125);
                code = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
        }
        /* the library reads the code here: exec resets this process's exit
         * signal to SIGCHLD, and a caller that ignores it, or reaps every
         * child, would leave it no status */
        if (j.h.status_fd >= 0) {
                int32_t c = code;
                (void) !write(j.h.status_fd, &c, sizeof(c));
        }
        _exit(code);
}
