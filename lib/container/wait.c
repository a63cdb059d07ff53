/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Waiting for a container's end from any process: a pidfd on the recorded
 * init (verified by its start time), polled outside the lock; back under
 * the lock, the run is finalized only if it is still the one waited for. */
#include <poll.h>
#include <time.h>

#include "container.h"
#include "runtime/runtime.h"

/* A moment between two looks at a container that is being created or
 * started (no init to wait on yet). */
#define WAIT_STEP_MS 20

static int64_t now_ms(void)
{
        return (int64_t) (now_usec() / 1000);
}

/* Milliseconds left before the deadline (-1: none). */
static int remaining(int64_t deadline)
{
        if (deadline < 0)
                return -1;
        int64_t left = deadline - now_ms();
        return left < 0 ? 0 : (int) (left > INT32_MAX ? INT32_MAX : left);
}

static int exit_code_of(bl_ctx *ctx, const struct container_model *m, int *ret)
{
        if (!m->has_exit || m->exit_code < 0 || m->exit_code > 255)
                return ctx_fail(ctx, EBADMSG, "container \"%s\": exited without a readable exit code", m->name);
        *ret = m->exit_code;
        return 0;
}

/* One look under the lock: 1 with *ret_code when the container has ended,
 * 0 with *ret_pidfd (or -1: look again soon) while it runs. */
static int look(bl_ctx *ctx, const char *name, int *ret_code, int *ret_pidfd)
{
        _cleanup_unlock_ int lock = -1;
        _cleanup_model_ struct container_model m = { 0 };
        int r = container_lock_load(ctx, name, &lock, &m);
        if (r < 0)
                return r;
        *ret_pidfd = -1;
        if (m.state == CSTATE_CREATING)
                return 0;
        live_state live = container_liveness(&m);
        if (live == LIVE_CREATED)
                return ctx_fail(ctx, EINVAL, "container \"%s\": has never been started", name);
        if (live == LIVE_RUNNING && proc_open_verified((pid_t) m.run.pid, m.run.starttime, ret_pidfd) == 0)
                return 0;
        /* dead: record its end (a no-op when already recorded) */
        if ((r = container_finalize(ctx, &m, NULL)) < 0)
                return r;
        if (m.state != CSTATE_EXITED)
                return 0;       /* a start under way */
        if ((r = exit_code_of(ctx, &m, ret_code)) < 0)
                return r;
        return 1;
}

static int container_wait_call(bl_ctx *ctx, const char *name, int timeout_ms, int *ret_exit_code)
{
        int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
        for (;;) {
                int code = 0;
                _cleanup_close_ int pidfd = -1;
                int r = look(ctx, name, &code, &pidfd);
                if (r < 0)
                        return r;
                if (r > 0) {
                        if (ret_exit_code)
                                *ret_exit_code = code;
                        return 0;
                }
                int left = remaining(deadline);
                if (left == 0)
                        return ctx_fail(ctx, ETIMEDOUT, "container \"%s\": still running after %d ms", name, timeout_ms);
                if (pidfd < 0) {
                        int step = left < 0 || left > WAIT_STEP_MS ? WAIT_STEP_MS : left;
                        nanosleep(&(struct timespec) { 0, step * 1000L * 1000L }, NULL);
                        continue;
                }
                /* the lock is not held here: other verbs go on meanwhile */
                struct pollfd p = { .fd = pidfd, .events = POLLIN };
                int n;
                while ((n = poll(&p, 1, left)) < 0 && errno == EINTR)
                        left = remaining(deadline);
                if (n < 0)
                        return ctx_fail(ctx, errno, "container \"%s\": cannot wait: %m", name);
                /* ended, or the time is up: the next look tells */
        }
}

BL_EXPORT int bl_container_wait(bl_ctx *ctx, const char *name, int timeout_ms, int *ret_exit_code)
{
        ctx_begin_call(ctx);
        return ctx_end_call(ctx, container_wait_call(ctx, name, timeout_ms, ret_exit_code), "container \"%s\"", name ? name : "");
}
