/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host end of exec without a terminal, run by the sealed init outside
 * the container's pid namespace (as Docker relays).  No library beyond
 * libc: it is part of the static init. */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime.h"

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

/* Nothing of the container holds the caller's descriptors, and nothing
 * reads the caller's input once the program is gone. */
int relay_until_exit(pid_t child, const int caller[3], int in_w, int out_r, int err_r)
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
