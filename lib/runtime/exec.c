/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
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

static void write_all(int fd, const char *buf, size_t n)
{
        while (n > 0) {
                ssize_t k = write(fd, buf, n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return;
                buf += k;
                n -= (size_t) k;
        }
}

/* Copies what is there from `from` to `to`; false at its end (errno
 * EAGAIN: nothing there now). */
static bool pump(int from, int to)
{
        char buf[16384];
        errno = 0;
        ssize_t k = read(from, buf, sizeof(buf));
        if (k < 0 && (errno == EINTR || errno == EAGAIN))
                return errno == EINTR;
        if (k <= 0)
                return false;
        write_all(to, buf, (size_t) k);
        return true;
}

/* The host end of exec without a terminal: the caller's stdio (caller[])
 * to and from the program's pipes, until the program ends.  Nothing of
 * the container holds the caller's descriptors, and nothing reads the
 * caller's input once the program is gone. */
static int relay_until_exit(pid_t child, const int caller[3], int in_w, int out_r, int err_r)
{
        int pidfd = (int) syscall(SYS_pidfd_open, child, 0);
        signal(SIGPIPE, SIG_IGN);
        fcntl(in_w, F_SETFL, O_NONBLOCK);
        char pend[PIPE_BUF];
        size_t npend = 0, off = 0;
        bool done = pidfd < 0;
        while (!done) {
                /* the caller's input is read only once the last piece is in
                 * the program's pipe: never blocked on a program that does
                 * not read, and never reading ahead of it */
                struct pollfd p[5] = {
                        { .fd = pidfd, .events = POLLIN },
                        { .fd = out_r, .events = POLLIN },
                        { .fd = err_r, .events = POLLIN },
                        { .fd = in_w, .events = npend ? POLLOUT : 0 },
                        { .fd = in_w >= 0 && !npend ? caller[0] : -1, .events = POLLIN },
                };
                if (poll(p, 5, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (p[4].revents) {
                        ssize_t k = read(caller[0], pend, sizeof(pend));
                        if (k > 0) {
                                npend = (size_t) k;
                                off = 0;
                                p[3].revents |= POLLOUT;
                        } else if (k == 0 || (errno != EINTR && errno != EAGAIN)) {
                                close(in_w);
                                in_w = -1;
                        }
                }
                if (in_w >= 0 && (p[3].revents & POLLOUT) && npend) {
                        ssize_t k = write(in_w, pend + off, npend - off);
                        if (k > 0 && (off += (size_t) k) == npend)
                                npend = 0;
                        else if (k < 0 && errno != EAGAIN && errno != EINTR)
                                p[3].revents |= POLLERR;
                }
                if (in_w >= 0 && (p[3].revents & (POLLERR | POLLHUP))) {
                        close(in_w);
                        in_w = -1;
                        npend = 0;
                }
                if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) && !pump(out_r, caller[1])) {
                        close(out_r);
                        out_r = -1;
                }
                if ((p[2].revents & (POLLIN | POLLHUP | POLLERR)) && !pump(err_r, caller[2])) {
                        close(err_r);
                        err_r = -1;
                }
                if (p[0].revents & POLLIN)
                        done = true;
        }
        /* the rest of its output, without waiting on processes it left behind */
        int outs[2][2] = { { out_r, caller[1] }, { err_r, caller[2] } };
        for (int i = 0; i < 2; i++)
                if (outs[i][0] >= 0) {
                        fcntl(outs[i][0], F_SETFL, O_NONBLOCK);
                        for (int k = 0; k < 4096 && pump(outs[i][0], outs[i][1]); k++)
                                ;
                }
        int st;
        while (waitpid(child, &st, 0) < 0)
                if (errno != EINTR)
                        return 125;
        return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

static _Noreturn void exec_child(const struct exec_spec *spec, int report_fd, int init_fd)
{
        char err[256];
        /* first: nothing in the container may ever trace or open this host
         * program, nor find a descriptor of its caller in it */
        prctl(PR_SET_DUMPABLE, 0);
        const int *caller = spec->prog.stdio;
        int keep[] = { report_fd, init_fd, spec->pidfd, caller[0], caller[1], caller[2] };
        close_fds_except(keep, ARRAY_SIZE(keep));
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
        close(spec->pidfd);
        /* in its user namespace, become its root (the host's root is not mapped there) */
        if (spec->userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
                int e = errno;
                snprintf(err, sizeof(err), "cannot become root of its user namespace: %s", strerror(e));
                report_and_exit(report_fd, e, 126, err);
        }
        /* new ids made it dumpable again */
        prctl(PR_SET_DUMPABLE, 0);
        /* a terminal of the container's own devpts, its master for the
         * caller; else pipes this process relays */
        int slave = -1, in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 };
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
        } else if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
                int e = errno;
                snprintf(err, sizeof(err), "cannot create its pipes: %s", strerror(e));
                report_and_exit(report_fd, e, 126, err);
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
                else {
                        prog.stdio[0] = in[0];
                        prog.stdio[1] = out[1];
                        prog.stdio[2] = errp[1];
                }
                program_exec(&prog, report_fd, init_fd);
        }
        /* the middle process holds nothing of the program's but the host
         * ends of its pipes while it waits */
        int relay[] = { caller[0], caller[1], caller[2], in[1], out[0], errp[0] };
        close_fds_except(relay, slave >= 0 ? 0 : ARRAY_SIZE(relay));
        if (slave >= 0) {
                for (int fd = 0; fd < 3; fd++)
                        close(fd);
                in[1] = out[0] = errp[0] = -1;
        }
        int code;
        if (slave >= 0) {
                int st;
                while (waitpid(child, &st, 0) < 0)
                        if (errno != EINTR)
                                _exit(125);
                code = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
        } else
                code = relay_until_exit(child, caller, in[1], out[0], errp[0]);
        _exit(code);
}

int runtime_exec(bl_ctx *ctx, const struct exec_spec *spec, pid_t *ret_pid, int *ret_code, int *ret_ptmx)
{
        int p[2], init_fd = -1, r = init_memfd(ctx, &init_fd);
        if (r < 0)
                return r;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p) < 0) {
                close(init_fd);
                return bl_err(ctx, errno, "socketpair: %m");
        }
        pid_t pid = fork();
        if (pid < 0) {
                int e = errno;
                close(p[0]);
                close(p[1]);
                close(init_fd);
                return bl_err(ctx, e, "fork: %s", strerror(e));
        }
        if (pid == 0)
                exec_child(spec, p[1], init_fd);
        close(p[1]);
        close(init_fd);
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
        r = report_read(ctx, p[0], EXEC_TIMEOUT_MS, &code);
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
