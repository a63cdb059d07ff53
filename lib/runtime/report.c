/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <poll.h>

#include "runtime.h"

struct report {
        int err;
        int exit_code;
        char msg[384];
};

_Noreturn void report_and_exit(int fd, int err, int exit_code, const char *msg)
{
        struct report rep = { .err = err, .exit_code = exit_code };
        snprintf(rep.msg, sizeof(rep.msg), "%s", msg);
        (void) !write(fd, &rep, sizeof(rep));
        _exit(exit_code);
}

int report_read(bl_ctx *ctx, int fd, int timeout_ms, int *ret_exit_code)
{
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int n;
        while ((n = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
                ;
        if (n == 0)
                return ctx_fail(ctx, ETIMEDOUT, "did not start within %d s", timeout_ms / 1000);
        struct report rep;
        ssize_t k = read(fd, &rep, sizeof(rep));
        if (k == 0)
                return 0; /* closed on exec: the program runs */
        if (k != (ssize_t) sizeof(rep))
                return ctx_fail(ctx, EIO, "its init died while starting");
        rep.msg[sizeof(rep.msg) - 1] = 0;
        if (ret_exit_code)
                *ret_exit_code = rep.exit_code;
        return ctx_fail(ctx, rep.err ? rep.err : EIO, "%s", rep.msg);
}
