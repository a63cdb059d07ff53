/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A signal to a container's program, through its init. */
#include <signal.h>
#include <sys/syscall.h>

#include "container.h"
#include "runtime/runtime.h"

static const int forwarded[] = { INIT_FORWARDED_SIGNALS };

/* The init (PID 1 of the container) hears only the signals it has a
 * handler for, and hands them to the program; SIGKILL ends it, and with it
 * every process of the container. */
static bool deliverable(int sig)
{
        if (sig == SIGKILL)
                return true;
        for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
                if (forwarded[i] == sig)
                        return true;
        return false;
}

static int container_kill_call(bl_ctx *ctx, const char *name, int sig)
{
        if (!deliverable(sig))
                return ctx_fail(ctx, EINVAL, "container \"%s\": signal %d is not one the init forwards to the program%s", name, sig,
                                sig == SIGSTOP ? " (pause the container instead)" : "");
        /* under the lock: no start can replace the run between the look
         * and the signal, and the pidfd pins the process it names */
        _cleanup_unlock_ int lock = -1;
        _cleanup_model_ struct container_model m = { 0 };
        int r = container_lock_load(ctx, name, &lock, &m);
        if (r < 0)
                return r;
        _cleanup_close_ int pidfd = -1;
        if (container_liveness(&m) != LIVE_RUNNING || proc_open_verified((pid_t) m.run.pid, m.run.starttime, &pidfd) < 0) {
                container_finalize(ctx, &m, NULL);
                return ctx_fail(ctx, EINVAL, "container \"%s\": is not running", name);
        }
        if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 && errno != ESRCH)
                return ctx_fail(ctx, errno, "container \"%s\": cannot send signal %d: %m", name, sig);
        /* a frozen container acts on no signal: a kill must still end it */
        if (sig == SIGKILL && (r = container_thaw(ctx, &m)) < 0)
                return r;
        ctx_log(ctx, BL_LOG_INFO, "container \"%s\": sent signal %d", name, sig);
        return 0;
}

BL_EXPORT int bl_container_kill(bl_ctx *ctx, const char *name, int sig)
{
        ctx_begin_call(ctx);
        return ctx_end_call(ctx, container_kill_call(ctx, name, sig), "container \"%s\"", name ? name : "");
}
