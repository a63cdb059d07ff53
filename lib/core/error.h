/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One error object for the whole library: an errno and a one-line message
 * naming the object and the cause.  The context holds the pending one; code
 * that runs in a child before exec (where there is no context to trust)
 * fills its own and ships it to the parent, which adopts it.  Layers on the
 * way up wrap it with their context ("container "web": ...").
 *
 * A failure that a caller tolerates is taken out of the context
 * (ctx_error_take) so that it can never stand in for a later, different one.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>

#define ERROR_MSG_MAX 512

struct error {
        int code;                  /* positive errno; 0: none */
        char msg[ERROR_MSG_MAX];   /* one line */
};

/* Replaces e with (code, message); returns -code (code 0 counts as EIO). */
int error_set(struct error *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int error_setv(struct error *e, int code, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));
/* Prefixes e's message with "<context>: "; an empty e gets the errno's text
 * after the prefix.  code 0 keeps e's code.  Returns -code. */
int error_wrap(struct error *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void error_clear(struct error *e);
static inline bool error_is_set(const struct error *e) { return e->code != 0 || e->msg[0] != 0; }
/* The negative errno a function returns for `code`: -|code|, -EIO for 0. */
static inline int error_ret(int code) { return code > 0 ? -code : (code == 0 ? -5 /* EIO */ : code); }
