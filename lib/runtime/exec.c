/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "runtime.h"

#define EXEC_TIMEOUT_MS 30000

static _Noreturn void exec_child(const struct exec_spec *spec, int report_fd)
{
        char err[256];
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        char pid[32];
        snprintf(pid, sizeof(pid), "%d", (int) getpid());
        /* into the container's cgroups first, so its limits count us */
        for (char **p = spec->cgroup_procs; p && *p; p++)
                if (write_string(*p, pid) < 0) {
                        snprintf(err, sizeof(err), "cannot join cgroup %s: %s", *p, strerror(errno));
                        report_and_exit(report_fd, errno, 126, err);
                }
        int flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWCGROUP |
                    (spec->userns ? CLONE_NEWUSER : 0);
        if (setns(spec->pidfd, flags) < 0) {
                int e = errno;
                snprintf(err, sizeof(err), "cannot join its namespaces: %s", strerror(e));
                report_and_exit(report_fd, e, 126, err);
        }
        /* in its user namespace, become its root (the host's root is not mapped there) */
        if (spec->userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
                int e = errno;
                snprintf(err, sizeof(err), "cannot become root of its user namespace: %s", strerror(e));
                report_and_exit(report_fd, e, 126, err);
        }
        /* a terminal of the container's own devpts, its master for the caller */
        int slave = -1;
        if (spec->tty) {
                char name[64];
                int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
                if (master < 0 || unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0 ||
                    (slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 || send_fd(report_fd, 'p', master) < 0) {
                        int e = errno;
                        snprintf(err, sizeof(err), "cannot allocate a terminal in the container: %s", strerror(e));
                        report_and_exit(report_fd, e, 126, err);
                }
                close(master);
        }
        /* the new pid namespace applies to children only */
        pid_t child = fork();
        if (child < 0)
                report_and_exit(report_fd, errno, 126, "cannot fork");
        if (child == 0) {
                struct run_program prog = spec->prog;
                prog.go_fd = -1;
                if (slave >= 0)
                        prog.pty_slave = slave;
                program_exec(&prog, report_fd);
        }
        /* the middle process holds nothing while it waits */
        for (int fd = 0; fd < 1024; fd++)
                close(fd);
        int st;
        while (waitpid(child, &st, 0) < 0)
                if (errno != EINTR)
                        _exit(125);
        _exit(WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st));
}

int runtime_exec(bl_ctx *ctx, const struct exec_spec *spec, pid_t *ret_pid, int *ret_code, int *ret_ptmx)
{
        int p[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p) < 0)
                return bl_err(ctx, errno, "socketpair: %m");
        pid_t pid = fork();
        if (pid < 0) {
                int e = errno;
                close(p[0]);
                close(p[1]);
                return bl_err(ctx, e, "fork: %s", strerror(e));
        }
        if (pid == 0) {
                close(p[0]);
                exec_child(spec, p[1]);
        }
        close(p[1]);
        int code = 126, master = -1;
        if (spec->tty) {
                char tag = 0;
                if (recv_fd(p[0], &tag, &master) < 0 || tag != 'p' || master < 0) {
                        if (master >= 0)
                                close(master);
                        master = -1;
                        close(p[0]);
                        waitpid(pid, NULL, 0);
                        return bl_err(ctx, EIO, "cannot allocate a terminal in the container");
                }
        }
        int r = report_read(ctx, p[0], EXEC_TIMEOUT_MS, &code);
        if (ret_code)
                *ret_code = code;
        close(p[0]);
        if (r < 0) {
                int st;
                if (master >= 0)
                        close(master);
                waitpid(pid, &st, 0);
                return r;
        }
        *ret_pid = pid;
        if (ret_ptmx)
                *ret_ptmx = master;
        else if (master >= 0)
                close(master);
        return 0;
}
