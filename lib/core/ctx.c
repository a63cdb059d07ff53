/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include "core.h"

BL_EXPORT const char *bl_version(void)
{
        return BL_VERSION;
}

static uint64_t mono_usec(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

void ctx_trace(bl_ctx *ctx, const char *step)
{
        if (ctx && ctx->log_fn)
                ctx_log(ctx, BL_LOG_DEBUG, "%s at +%.1f ms", step, (double) (mono_usec() - ctx->t0_usec) / 1000.0);
}

BL_EXPORT int bl_ctx_new(bl_ctx **ret, const char *root)
{
        if (!ret)
                return -EINVAL;
        if (!root || !*root)
                root = getenv("BALEINE_ROOT");
        if (!root || !*root)
                root = BL_DEFAULT_ROOT;
        if (root[0] != '/')
                return -EINVAL;

        bl_ctx *ctx = calloc(1, sizeof(*ctx));
        if (!ctx)
                return -ENOMEM;
        ctx->root = strdup(root);
        if (!ctx->root) {
                free(ctx);
                return -ENOMEM;
        }
        ctx->t0_usec = mono_usec();
        size_t n = strlen(ctx->root);
        while (n > 1 && ctx->root[n - 1] == '/')
                ctx->root[--n] = 0;
        *ret = ctx;
        return 0;
}

BL_EXPORT void bl_ctx_free(bl_ctx *ctx)
{
        if (!ctx)
                return;
        free(ctx->root);
        free(ctx);
}

BL_EXPORT const char *bl_ctx_root(const bl_ctx *ctx)
{
        return ctx->root;
}

BL_EXPORT const char *bl_ctx_errmsg(const bl_ctx *ctx)
{
        return ctx ? ctx->error.msg : "";
}

BL_EXPORT void bl_ctx_set_log(bl_ctx *ctx, bl_log_fn fn, void *userdata)
{
        ctx->log_fn = fn;
        ctx->log_data = userdata;
}

BL_EXPORT void bl_ctx_set_progress(bl_ctx *ctx, bl_progress_fn fn, void *userdata)
{
        ctx->progress_fn = fn;
        ctx->progress_data = userdata;
}

void ctx_begin_call(bl_ctx *ctx)
{
        error_clear(&ctx->error);
}

bool ctx_has_error(const bl_ctx *ctx)
{
        return error_is_set(&ctx->error);
}

int ctx_fail(bl_ctx *ctx, int err, const char *fmt, ...)
{
        if (!ctx || ctx_has_error(ctx))
                return error_ret(err);
        va_list ap;
        va_start(ap, fmt);
        int r = error_setv(&ctx->error, err, fmt, ap);
        va_end(ap);
        return r;
}

int ctx_fail_replace(bl_ctx *ctx, int err, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = error_setv(&ctx->error, err, fmt, ap);
        va_end(ap);
        return r;
}

int ctx_fail_wrap(bl_ctx *ctx, int err, const char *fmt, ...)
{
        char prefix[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(prefix, sizeof(prefix), fmt, ap);
        va_end(ap);
        return error_wrap(&ctx->error, err, "%s", prefix);
}

void ctx_error_take(bl_ctx *ctx, struct error *ret)
{
        if (ret)
                *ret = ctx->error;
        error_clear(&ctx->error);
}

int ctx_error_adopt(bl_ctx *ctx, const struct error *e)
{
        ctx->error = *e;
        if (!ctx->error.code)
                ctx->error.code = EIO;
        return -ctx->error.code;
}

int ctx_end_call(bl_ctx *ctx, int r, const char *fmt, ...)
{
        if (r >= 0 || !ctx || ctx_has_error(ctx))
                return r;
        char what[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        return error_set(&ctx->error, r, "%s: %s", what, strerror(-r));
}

void ctx_log(bl_ctx *ctx, int prio, const char *fmt, ...)
{
        if (!ctx || !ctx->log_fn)
                return;
        char buf[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        ctx->log_fn(ctx->log_data, prio, buf);
}

void ctx_progress(bl_ctx *ctx, const char *what, uint64_t done, uint64_t total)
{
        if (ctx && ctx->progress_fn)
                ctx->progress_fn(ctx->progress_data, what, done, total);
}

const char *test_knob(const char *name)
{
#if BL_TEST_KNOBS
        /* secure_getenv: a setuid caller's environment never steers it */
        return secure_getenv(name);
#else
        /* a shipped library takes no orders from the environment */
        (void) name;
        return NULL;
#endif
}

void fault_point(const char *step)
{
        const char *f = test_knob("BALEINE_FAULT");
        if (f && strcmp(f, step) == 0)
                raise(SIGKILL);
        const char *p = test_knob("BALEINE_PAUSE");
        if (p && strcmp(p, step) == 0)
                raise(SIGSTOP);
}
