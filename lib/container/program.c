/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What start and exec share: the program's confinement, its terminal and
 * the container's files it writes to. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include "container.h"
#include "runtime/runtime.h"
#include "start.h"

static int caps_of(bl_ctx *ctx, const struct container_model *m, uint64_t *ret)
{
        if (m->privileged) {
                *ret = caps_all();
                return 0;
        }
        uint64_t caps = caps_default();
        char **const lists[] = { m->cap_add, m->cap_drop };
        for (int k = 0; k < 2; k++)
                for (char **p = lists[k]; p && *p; p++) {
                        uint64_t bit;
                        if (cap_from_name(*p, &bit) < 0)
                                return ctx_fail(ctx, EINVAL, "container \"%s\": unknown capability \"%s\"", m->name, *p);
                        caps = k == 0 ? caps | bit : caps & ~bit;
                }
        *ret = caps;
        return 0;
}

int program_security(bl_ctx *ctx, const struct container_model *m, const char *user_override, struct run_security *sec)
{
        memset(sec, 0, sizeof(*sec));
        int r = caps_of(ctx, m, &sec->caps);
        if (r < 0)
                return r;
        sec->privileged = m->privileged;
        sec->seccomp = !m->seccomp_unconfined;
        const char *user = user_override ? user_override : m->user;
        if (user && parse_user(user, &sec->uid, &sec->gid) < 0)
                sec->user_name = user; /* a name: looked up in the image's own files */
        return 0;
}

int open_pty(bl_ctx *ctx, const char *name, int *ret_master, int *ret_slave)
{
        int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0) {
                int e = errno;
                if (m >= 0)
                        close(m);
                return ctx_fail(ctx, e, "container \"%s\": cannot allocate a terminal: %s", name, strerror(e));
        }
        char *pts = ptsname(m);
        int s = pts ? open(pts, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
        if (s < 0) {
                int e = errno;
                close(m);
                return ctx_fail(ctx, e, "container \"%s\": cannot open the terminal: %s", name, strerror(e));
        }
        /* the caller's terminal size, when it has one */
        struct winsize ws;
        if (isatty(STDIN_FILENO) && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
                ioctl(m, TIOCSWINSZ, &ws);
        *ret_master = m;
        *ret_slave = s;
        return 0;
}

int open_in(bl_ctx *ctx, const char *name, const char *file, int flags, int *ret)
{
        _cleanup_free_ char *p = container_file(ctx, name, file);
        if (!p)
                return -ENOMEM;
        int fd = open(p, flags | O_CLOEXEC, 0600);
        if (fd < 0)
                return ctx_fail(ctx, errno, "container \"%s\": cannot open %s: %m", name, p);
        *ret = fd;
        return 0;
}

