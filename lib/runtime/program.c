/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include "runtime.h"

extern char **environ;

_Noreturn void program_exec(const struct run_program *prog, int report_fd)
{
        char err[256];
        setsid();
        if (prog->pty_slave >= 0) {
                dup2(prog->pty_slave, 0);
                dup2(prog->pty_slave, 1);
                dup2(prog->pty_slave, 2);
                ioctl(0, TIOCSCTTY, 0);
        } else {
                for (int i = 0; i < 3; i++)
                        if (prog->stdio[i] >= 0 && prog->stdio[i] != i)
                                dup2(prog->stdio[i], i);
        }
        /* nothing of the host survives exec but 0, 1, 2 */
        syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int s = 1; s < NSIG; s++)
                signal(s, SIG_DFL);

        const char *wd = prog->workdir && *prog->workdir ? prog->workdir : "/";
        if (chdir(wd) < 0) {
                int e = errno;
                snprintf(err, sizeof(err), "working directory \"%s\": %s", wd, strerror(e));
                report_and_exit(report_fd, e, 126, err);
        }
        if (security_apply(&prog->sec, err, sizeof(err)) < 0)
                report_and_exit(report_fd, EPERM, 126, err);
        environ = prog->envp;
        execvp(prog->argv[0], prog->argv);
        int e = errno;
        snprintf(err, sizeof(err), "program \"%s\": %s", prog->argv[0],
                 e == ENOENT ? "not found in the image" : strerror(e));
        report_and_exit(report_fd, e, e == ENOENT ? 127 : 126, err);
}
