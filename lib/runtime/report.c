/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a child says when it cannot start its program: the library's one
 * error object, shipped whole, and the exit code it ends with. */
#include <poll.h>
#include <stdarg.h>

#include "runtime.h"

struct report {
        int exit_code;
        struct error error;
};

_Noreturn void report_and_exit(int fd, const struct error *e, int exit_code)
{
        struct report rep = { .exit_code = exit_code, .error = *e };
        if (!rep.error.code)
                rep.error.code = EIO;
        rep.error.msg[sizeof(rep.error.msg) - 1] = 0;
        (void) !write(fd, &rep, sizeof(rep));
        _exit(exit_code);
}

_Noreturn void report_fail(int fd, int exit_code, int code, const char *fmt, ...)
{
        struct error e;
        va_list ap;
        va_start(ap, fmt);
        error_setv(&e, code, fmt, ap);
        va_end(ap);
        report_and_exit(fd, &e, exit_code);
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
        ssize_t k;
        while ((k = read(fd, &rep, sizeof(rep))) < 0 && errno == EINTR)
                ;
        if (k == 0)
                return 0; /* closed on exec: the program runs */
        if (k != (ssize_t) sizeof(rep))
                return ctx_fail(ctx, EIO, "its init died while starting");
        rep.error.msg[sizeof(rep.error.msg) - 1] = 0;
        if (ret_exit_code)
                *ret_exit_code = rep.exit_code;
        return ctx_error_adopt(ctx, &rep.error);
}
