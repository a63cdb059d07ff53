/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/filter.h>
#include <stdint.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "runtime.h"

#define EXEC_TIMEOUT_MS 30000

static _Noreturn void exec_child(const struct exec_spec *spec, int report_fd, int init_fd)
{
        /* first: nothing in the container may ever trace or open this host
         * program, nor find a descriptor of its caller in it */
        prctl(PR_SET_DUMPABLE, 0);
        const int *caller = spec->prog.stdio;
        int keep[] = { report_fd, init_fd, spec->pidfd, caller[0], caller[1], caller[2], spec->prog.status_fd };
        close_fds_except(keep, ARRAY_SIZE(keep));
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        char pid[32];
        snprintf(pid, sizeof(pid), "%d", (int) getpid());
        /* into the container's cgroups first, so its limits count us */
        for (char **p = spec->cgroup_procs; p && *p; p++)
                if (write_string(*p, pid) < 0)
                        report_fail(report_fd, 126, errno, "cannot join cgroup %s: %m", *p);
        int flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWCGROUP |
                    (spec->userns ? CLONE_NEWUSER : 0);
        if (setns(spec->pidfd, flags) < 0)
                report_fail(report_fd, 126, errno, "cannot join its namespaces: %m");
        close(spec->pidfd);
        /* in its user namespace, become its root (the host's root is not mapped there) */
        if (spec->userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
                report_fail(report_fd, 126, errno, "cannot become root of its user namespace: %m");
        /* new ids made it dumpable again */
        prctl(PR_SET_DUMPABLE, 0);
        /* a terminal of the container's own devpts, its master for the
         * caller; else pipes this process relays */
        int slave = -1, in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 };
        if (spec->tty) {
                char name[64];
                int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
                if (master < 0 || unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0 ||
                    (slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 || send_fd(report_fd, 'p', master) < 0)
                        report_fail(report_fd, 126, errno, "cannot allocate a terminal in the container: %m");
                close(master);
        } else if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
                report_fail(report_fd, 126, errno, "cannot create its pipes: %m");
        /* the new pid namespace applies to children only: this host program
         * forks nothing; it becomes the sealed init, which confines itself
         * and forks the program, so nothing but the sealed copy ever shows
         * in the container, not even to a tracer with CAP_SYS_PTRACE */
        struct run_program prog = spec->prog;
        prog.go_fd = -1;
        prog.fork = true;
        for (int i = 0; i < 6; i++)
                prog.relay[i] = -1;
        if (slave >= 0) {
                prog.pty_slave = slave;
                prog.stdio[0] = prog.stdio[1] = prog.stdio[2] = -1;
        } else {
                prog.stdio[0] = in[0];
                prog.stdio[1] = out[1];
                prog.stdio[2] = errp[1];
                int relay[6] = { caller[0], caller[1], caller[2], in[1], out[0], errp[0] };
                memcpy(prog.relay, relay, sizeof(relay));
        }
        program_exec(&prog, report_fd, init_fd);
}

int runtime_exec(bl_ctx *ctx, const struct exec_spec *spec, pid_t *ret_pid, int *ret_pidfd, int *ret_status_fd,
                 int *ret_ptmx)
{
        int p[2], status[2], init_fd = -1, r = init_memfd(ctx, &init_fd);
        if (r < 0)
                return r;
        if (pipe2(status, O_CLOEXEC) < 0) {
                close(init_fd);
                return ctx_fail(ctx, errno, "pipe: %m");
        }
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p) < 0) {
                close(init_fd);
                close(status[0]);
                close(status[1]);
                return ctx_fail(ctx, errno, "socketpair: %m");
        }
        /* the filter is compiled here, not in the child: it allocates, and
         * a child of a threaded caller cloned without fork's care must not */
        struct exec_spec s = *spec;
        struct sock_fprog compiled = { 0 };
        if (s.prog.sec.seccomp && !s.prog.sec.privileged && !s.prog.sec.filter &&
            seccomp_prepare(s.prog.sec.caps, &compiled, NULL) == 0)
                s.prog.sec.filter = &compiled;
        s.prog.status_fd = status[1];
        int pidfd = -1;
        pid_t pid = runtime_clone(0, &pidfd);
        if (pid == 0) {
                child_reset_signals();
                exec_child(&s, p[1], init_fd);
        }
        free(compiled.filter);
        close(status[1]);
        if (pid < 0) {
                close(p[0]);
                close(p[1]);
                close(init_fd);
                close(status[0]);
                return ctx_fail(ctx, -pid, "cannot create its process: %s", strerror(-pid));
        }
        close(p[1]);
        close(init_fd);
        int master = -1;
        if (spec->tty) {
                char tag = 0;
                if (recv_fd(p[0], &tag, &master) < 0 || tag != 'p' || master < 0) {
                        if (master >= 0)
                                close(master);
                        master = -1;
                        close(p[0]);
                        runtime_wait(pidfd, -1, NULL);
                        close(pidfd);
                        close(status[0]);
                        return ctx_fail(ctx, EIO, "cannot allocate a terminal in the container");
                }
        }
        r = report_read(ctx, p[0], EXEC_TIMEOUT_MS, NULL);
        close(p[0]);
        if (r < 0) {
                if (master >= 0)
                        close(master);
                runtime_wait(pidfd, -1, NULL);
                close(pidfd);
                close(status[0]);
                return r;
        }
        *ret_pid = pid;
        *ret_pidfd = pidfd;
        *ret_status_fd = status[0];
        if (ret_ptmx)
                *ret_ptmx = master;
        else if (master >= 0)
                close(master);
        return 0;
}
