/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <linux/filter.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "runtime.h"

#define RELEASE_TIMEOUT_MS 30000

static void keep_on_exec(int fd)
{
        if (fd >= 0)
                fcntl(fd, F_SETFD, 0);
}

/* PID 1 becomes the sealed copy of the static baleine-init. */
static _Noreturn void become_init(const struct init_params *p, int init_fd, int report_fd)
{
        char a[10][24];
        int fds[] = { p->status_fd, p->log_fd, p->log_old_fd, p->relay_fd, p->go_fd, p->relay_err_fd, p->tee_fd[0], p->tee_fd[1] };
        for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
                keep_on_exec(fds[i]);
        snprintf(a[0], sizeof(a[0]), "%d", (int) p->program);
        snprintf(a[1], sizeof(a[1]), "%d", p->status_fd);
        snprintf(a[2], sizeof(a[2]), "%d", p->log_fd);
        snprintf(a[3], sizeof(a[3]), "%d", p->log_old_fd);
        snprintf(a[4], sizeof(a[4]), "%llu", (unsigned long long) p->log_max);
        snprintf(a[5], sizeof(a[5]), "%d", p->relay_fd);
        snprintf(a[6], sizeof(a[6]), "%d", p->go_fd);
        snprintf(a[7], sizeof(a[7]), "%d", p->relay_err_fd);
        snprintf(a[8], sizeof(a[8]), "%d", p->tee_fd[0]);
        snprintf(a[9], sizeof(a[9]), "%d", p->tee_fd[1]);
        char *argv[] = { (char *) "baleine-init", a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], NULL };
        int e = -exec_sealed(init_fd, argv);
        report_fail(report_fd, 125, e, "cannot execute the sealed baleine-init: %s", strerror(e));
}

static _Noreturn void child_main(const struct run_spec *spec, int sock, int init_fd)
{
        struct error err = { 0 };
        char go;
        int root_fd = -1;
        /* first: nothing in the container may ever trace or open this host
         * program, nor find a descriptor of its caller in it */
        prctl(PR_SET_DUMPABLE, 0);
        int keep[] = { sock, init_fd, spec->status_fd, spec->log_fd, spec->log_old_fd, spec->prog.stdio[0],
                       spec->prog.stdio[1], spec->prog.stdio[2], spec->prog.pty_slave };
        close_fds_except(keep, ARRAY_SIZE(keep));
        /* die with the parent until released: nothing half-made survives it */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        /* while the parent sets up cgroup and network: compile the filter
         * (should it fail, program_exec tries again and reports) */
        struct sock_fprog filter = { 0 };
        bool filtered = spec->prog.sec.seccomp && !spec->prog.sec.privileged && seccomp_prepare(spec->prog.sec.caps, &filter, NULL) == 0;
        if (recv_fd(sock, &go, &root_fd) < 0)
                _exit(125);
        prctl(PR_SET_PDEATHSIG, 0);
        /* the maps are written now: become the namespace's root, which is an
         * unprivileged id of the host */
        if (spec->userns_count && (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
                report_fail(sock, 125, errno, "cannot become root of its user namespace: %m");
        /* the new ids made it dumpable again */
        prctl(PR_SET_DUMPABLE, 0);
        /* detached: no terminal's signals or hang-up reach it */
        if (spec->prog.stdio[0] < 0 && spec->prog.pty_slave < 0)
                setsid();

        /* now inside its cgroup: make that the root of its cgroup namespace */
        if (unshare(CLONE_NEWCGROUP) < 0)
                report_fail(sock, 125, errno, "cannot create a cgroup namespace: %m");
        if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
                report_fail(sock, 125, errno, "cannot set the hostname: %m");
        if (spec->child_hook) {
                /* the network layer's hook still speaks in a buffer */
                char msg[ERROR_MSG_MAX] = "";
                int r = spec->child_hook(spec->hook_data, msg, sizeof(msg));
                if (r < 0)
                        report_fail(sock, 125, -r, "%s", msg[0] ? msg : "cannot configure its network");
        }
        if (rootfs_setup(spec, root_fd, &err) < 0)
                report_and_exit(sock, &err, 125);

        /* the init relays the output into the log; an attached program's
         * too, teed to the caller's descriptors: its errors through a pipe
         * of their own, to reach the caller's stderr */
        bool attached = spec->prog.stdio[1] >= 0 || spec->prog.stdio[2] >= 0;
        int relay[2] = { -1, -1 }, relay_err[2] = { -1, -1 }, gop[2];
        if (spec->log_fd >= 0 && spec->prog.pty_slave < 0 &&
            (pipe2(relay, O_CLOEXEC) < 0 || (attached && pipe2(relay_err, O_CLOEXEC) < 0)))
                report_fail(sock, 125, errno, "cannot create the output pipe: %m");
        if (pipe2(gop, O_CLOEXEC) < 0)
                report_fail(sock, 125, errno, "cannot create a pipe: %m");

        pid_t pid = fork();
        if (pid < 0)
                report_fail(sock, 125, errno, "cannot fork the program: %m");
        if (pid == 0) {
                struct run_program prog = spec->prog;
                if (filtered)
                        prog.sec.filter = &filter;
                close(gop[1]);
                prog.go_fd = gop[0];
                prog.fork = false;
                if (relay[1] >= 0) {
                        if (prog.stdio[0] < 0)
                                prog.stdio[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
                        prog.stdio[1] = relay[1];
                        prog.stdio[2] = relay_err[1] >= 0 ? relay_err[1] : relay[1];
                }
                program_exec(&prog, sock, init_fd);
        }
        if (relay[1] >= 0)
                close(relay[1]);
        if (relay_err[1] >= 0)
                close(relay_err[1]);
        close(gop[0]);
        struct init_params p = {
                .program = pid, .status_fd = spec->status_fd, .log_fd = spec->log_fd, .log_old_fd = spec->log_old_fd,
                .log_max = spec->log_max, .relay_fd = relay[0], .go_fd = gop[1], .relay_err_fd = relay_err[0],
                .tee_fd = { relay[0] >= 0 ? spec->prog.stdio[1] : -1, relay[0] >= 0 ? spec->prog.stdio[2] : -1 },
        };
        /* sock is close-on-exec: the parent's report is the program's */
        become_init(&p, init_fd, sock);
}

int runtime_spawn(bl_ctx *ctx, const struct run_spec *spec, struct run_child *ret)
{
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return ctx_fail(ctx, errno, "container \"%s\": socketpair: %m", spec->name);
        int pidfd = -1, init_fd = -1, r = init_memfd(ctx, &init_fd);
        if (r < 0) {
                close(sv[0]);
                close(sv[1]);
                return ctx_fail_wrap(ctx, r, "container \"%s\"", spec->name);
        }
        pid_t pid = runtime_clone(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC |
                                          (spec->userns_count ? CLONE_NEWUSER : 0), &pidfd);
        if (pid < 0) {
                close(sv[0]);
                close(sv[1]);
                close(init_fd);
                return ctx_fail(ctx, -pid, "container \"%s\": cannot create namespaces: %s", spec->name, strerror(-pid));
        }
        if (pid == 0) {
                child_reset_signals();
                close(sv[0]);
                child_main(spec, sv[1], init_fd);
        }
        close(sv[1]);
        close(init_fd);
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
                return ctx_fail(ctx, errno ? errno : EPIPE, "its first process died before it could start");
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
                /* no exit signal: a clone child to waitpid (__WALL) */
                while (waitpid(child->pid, NULL, __WALL) < 0 && errno == EINTR)
                        ;
                child->pid = 0;
        }
}
