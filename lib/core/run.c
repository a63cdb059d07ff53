/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
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

int run_argv(bl_ctx *ctx, const char *what, char *const argv[], int out_fd, char **ret_stdout)
{
        int errp[2], outp[2] = { -1, -1 };
        if (pipe2(errp, O_CLOEXEC) < 0)
                return ctx_fail(ctx, errno, "%s: pipe: %m", what);
        if (ret_stdout && pipe2(outp, O_CLOEXEC) < 0) {
                close(errp[0]);
                close(errp[1]);
                return ctx_fail(ctx, errno, "%s: pipe: %m", what);
        }
        pid_t parent = getpid();
        pid_t pid = fork();
        if (pid < 0) {
                int e = errno;
                close(errp[0]); close(errp[1]);
                if (outp[0] >= 0) { close(outp[0]); close(outp[1]); }
                return ctx_fail(ctx, e, "%s: fork: %s", what, strerror(e));
        }
        if (pid == 0) {
                /* dies with its caller: a killed CLI leaves no mke2fs, cp or
                 * debootstrap writing into the state root */
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() != parent)
                        _exit(127);
                int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
                dup2(devnull, 0);
                dup2(ret_stdout ? outp[1] : (out_fd >= 0 ? out_fd : devnull), 1);
                dup2(errp[1], 2);
                execvp(argv[0], argv);
                dprintf(2, "cannot execute %s: %s\n", argv[0], strerror(errno));
                _exit(127);
        }
        close(errp[1]);
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

        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return ctx_fail(ctx, errno, "%s: waitpid: %m", what);
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
