/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

static void one_line(char *s)
{
        for (; *s; s++)
                if (*s == '\n' || *s == '\r')
                        *s = ' ';
}

int error_setv(struct error *e, int code, const char *fmt, va_list ap)
{
        int r = error_ret(code);
        e->code = -r;
        vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
        one_line(e->msg);
        return r;
}

int error_set(struct error *e, int code, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = error_setv(e, code, fmt, ap);
        va_end(ap);
        return r;
}

int error_wrap(struct error *e, int code, const char *fmt, ...)
{
        char prefix[256], inner[sizeof(e->msg)];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(prefix, sizeof(prefix), fmt, ap);
        va_end(ap);
        if (code == 0)
                code = e->code;
        int r = error_ret(code);
        if (e->msg[0])
                snprintf(inner, sizeof(inner), "%s", e->msg);
        else
                snprintf(inner, sizeof(inner), "%s", strerror(-r));
        snprintf(e->msg, sizeof(e->msg), "%s: %s", prefix, inner);
        one_line(e->msg);
        e->code = -r;
        return r;
}

void error_clear(struct error *e)
{
        e->code = 0;
        e->msg[0] = 0;
}
