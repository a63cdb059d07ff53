/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "runtime.h"

#define RELEASE_TIMEOUT_MS 30000

static _Noreturn void child_main(const struct run_spec *spec, int sock)
{
        char err[256] = "";
        char go;
        int root_fd = -1;
        /* die with the parent until released: nothing half-made survives it */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (recv_fd(sock, &go, &root_fd) < 0)
                _exit(125);
        prctl(PR_SET_PDEATHSIG, 0);
        /* the maps are written now: become the namespace's root, which is an
         * unprivileged id of the host */
        if (spec->userns_count && (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
                report_and_exit(sock, errno, 125, "cannot become root of its user namespace");
        /* detached: no terminal's signals or hang-up reach it */
        if (spec->prog.stdio[0] < 0 && spec->prog.pty_slave < 0)
                setsid();

        /* now inside its cgroup: make that the root of its cgroup namespace */
        if (unshare(CLONE_NEWCGROUP) < 0)
                report_and_exit(sock, errno, 125, "cannot create a cgroup namespace");
        if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
                report_and_exit(sock, errno, 125, "cannot set the hostname");
        if (spec->child_hook && spec->child_hook(spec->hook_data, err, sizeof(err)) < 0)
                report_and_exit(sock, EIO, 125, err);
        if (rootfs_setup(spec, root_fd, err, sizeof(err)) < 0)
                report_and_exit(sock, EIO, 125, err);

        int relay[2] = { -1, -1 };
        if (spec->log_fd >= 0 && spec->prog.pty_slave < 0 && pipe2(relay, O_CLOEXEC) < 0)
                report_and_exit(sock, errno, 125, "cannot create the output pipe");

        pid_t pid = fork();
        if (pid < 0)
                report_and_exit(sock, errno, 125, "cannot fork the program");
        if (pid == 0) {
                struct run_program prog = spec->prog;
                if (relay[1] >= 0) {
                        prog.stdio[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
                        prog.stdio[1] = prog.stdio[2] = relay[1];
                }
                program_exec(&prog, sock);
        }
        if (relay[1] >= 0)
                close(relay[1]);
        close(sock);
        init_run(spec, pid, relay[0]);
}

int runtime_spawn(bl_ctx *ctx, const struct run_spec *spec, struct run_child *ret)
{
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return bl_err(ctx, errno, "container \"%s\": socketpair: %m", spec->name);
        int pidfd = -1;
        struct clone_args args = {
                .flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_PIDFD |
                         (spec->userns_count ? CLONE_NEWUSER : 0),
                .pidfd = (uint64_t) (uintptr_t) &pidfd,
                .exit_signal = SIGCHLD,
        };
        long pid = syscall(SYS_clone3, &args, sizeof(args));
        if (pid < 0) {
                int e = errno;
                close(sv[0]);
                close(sv[1]);
                return bl_err(ctx, e, "container \"%s\": cannot create namespaces: %s", spec->name, strerror(e));
        }
        if (pid == 0) {
                close(sv[0]);
                child_main(spec, sv[1]);
        }
        close(sv[1]);
        ret->pid = (pid_t) pid;
        ret->pidfd = pidfd;
        ret->sync_fd = sv[0];
        return 0;
}

int runtime_release(bl_ctx *ctx, const struct run_spec *spec, struct run_child *child, int *ret_exit_code)
{
        _cleanup_close_ int root_fd = -1;
        int r;
        if (spec->userns_count) {
                if ((r = userns_map(ctx, child->pid, spec->userns_start, spec->userns_count)) < 0 ||
                    (r = userns_idmapped_mount(ctx, spec->loop_dev, child->pid, &root_fd)) < 0)
                        return r;
        }
        if (send_fd(child->sync_fd, 'g', root_fd) < 0)
                return bl_err(ctx, errno ? errno : EPIPE, "its first process died before it could start");
        r = report_read(ctx, child->sync_fd, RELEASE_TIMEOUT_MS, ret_exit_code);
        close(child->sync_fd);
        child->sync_fd = -1;
        return r;
}

void runtime_abort(struct run_child *child)
{
        if (child->pidfd >= 0) {
                syscall(SYS_pidfd_send_signal, child->pidfd, SIGKILL, NULL, 0);
                close(child->pidfd);
                child->pidfd = -1;
        }
        if (child->sync_fd >= 0) {
                close(child->sync_fd);
                child->sync_fd = -1;
        }
        if (child->pid > 0) {
                while (waitpid(child->pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                child->pid = 0;
        }
}
