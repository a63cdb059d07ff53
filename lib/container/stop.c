/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "container.h"
#include "runtime/runtime.h"

/* Waits for a pidfd to become readable (the process ended) up to ms. */
static bool wait_exit(int pidfd, int ms)
{
        struct pollfd p = { .fd = pidfd, .events = POLLIN };
        int n;
        while ((n = poll(&p, 1, ms)) < 0 && errno == EINTR)
                ;
        return n > 0;
}

/* Signals the init TERM, then KILL at the timeout; the lock is not held
 * while waiting, so other containers can be managed meanwhile. */
static int terminate(bl_ctx *ctx, const char *name, int pidfd, int timeout)
{
        if (syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0) < 0 && errno != ESRCH)
                return ctx_fail(ctx, errno, "container \"%s\": cannot signal: %m", name);
        if (wait_exit(pidfd, timeout * 1000))
                return 0;
        ctx_log(ctx, BL_LOG_INFO, "container \"%s\": still running after %d s, killing it", name, timeout);
        if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
                return ctx_fail(ctx, errno, "container \"%s\": cannot kill: %m", name);
        if (!wait_exit(pidfd, 10000))
                return ctx_fail(ctx, ETIMEDOUT, "container \"%s\": did not die after SIGKILL", name);
        return 0;
}

/* Stops a running container: called and returning with the lock held
 * (*lock), which it drops while it waits.  Back under the lock it reloads
 * the manifest into *recp and finalizes it only if it still records the run
 * it stopped: one started meanwhile is left running (compare-and-set). */
static int stop_with_lock(bl_ctx *ctx, const char *name, int *lock, int timeout, bool by_user, struct container_model *m)
{
        if (container_liveness(m) != LIVE_RUNNING) {
                container_finalize(ctx, m, NULL);
                return ctx_fail(ctx, EINVAL, "container \"%s\": is not running", name);
        }
        struct run_id seen = m->run;
        _cleanup_close_ int pidfd = -1;
        if (proc_open_verified((pid_t) seen.pid, seen.starttime, &pidfd) < 0) {
                container_finalize(ctx, m, NULL);
                return ctx_fail(ctx, EINVAL, "container \"%s\": is not running", name);
        }
        if (by_user) {
                m->stopped_by_user = true;
                int r = container_save(ctx, m);
                if (r < 0)
                        return r;
        }
        container_thaw(ctx, m); /* a frozen program acts on no signal */
        store_unlock(lock);
        int r = terminate(ctx, name, pidfd, timeout < 0 ? STOP_TIMEOUT_DEFAULT : timeout);
        waitpid((pid_t) seen.pid, NULL, WNOHANG | __WALL);
        fault_point("container-stop-waited");
        int lr = store_lock(ctx, lock);
        if (lr < 0)
                return lr;
        struct container_model fresh;
        if ((lr = container_load(ctx, name, &fresh)) < 0)
                return r < 0 ? r : lr;
        container_model_done(m);
        *m = fresh;
        if (!container_same_run(m, seen)) {
                ctx_log(ctx, BL_LOG_INFO, "container \"%s\": started again while it was being stopped; the new run is left alone", name);
                return r;
        }
        container_finalize(ctx, m, NULL);
        return r;
}

static int container_stop_call(bl_ctx *ctx, const char *name, int timeout)
{
        _cleanup_unlock_ int lock = -1;
        _cleanup_model_ struct container_model m = { 0 };
        int r = container_lock_load(ctx, name, &lock, &m);
        if (r < 0)
                return r;
        return stop_with_lock(ctx, name, &lock, timeout, true, &m);
}

BL_EXPORT int bl_container_stop(bl_ctx *ctx, const char *name, int timeout)
{
        ctx_begin_call(ctx);
        return ctx_end_call(ctx, container_stop_call(ctx, name, timeout), "container \"%s\"", name ? name : "");
}

static int container_restart_call(bl_ctx *ctx, const char *name, int timeout)
{
        _cleanup_unlock_ int lock = -1;
        _cleanup_model_ struct container_model m = { 0 };
        int r = container_lock_load(ctx, name, &lock, &m);
        if (r < 0)
                return r;
        if (container_liveness(&m) == LIVE_RUNNING && (r = stop_with_lock(ctx, name, &lock, timeout, false, &m)) < 0)
                return r;
        m.stopped_by_user = false;
        return container_start_locked(ctx, &m, 0, NULL, NULL);
}

BL_EXPORT int bl_container_restart(bl_ctx *ctx, const char *name, int timeout)
{
        ctx_begin_call(ctx);
        return ctx_end_call(ctx, container_restart_call(ctx, name, timeout), "container \"%s\"", name ? name : "");
}

static int container_remove_call(bl_ctx *ctx, const char *name, int force)
{
        _cleanup_unlock_ int lock = -1;
        _cleanup_model_ struct container_model m = { 0 };
        int r = container_lock_load(ctx, name, &lock, &m);
        if (r < 0)
                return r;
        if (m.state == CSTATE_CREATING && m.creator_pid && kill((pid_t) m.creator_pid, 0) == 0)
                return ctx_fail(ctx, EBUSY, "container \"%s\": is being created", name);
        if (container_liveness(&m) == LIVE_RUNNING) {
                if (!force)
                        return ctx_fail(ctx, EBUSY, "container \"%s\": is running; stop it first or use --force", name);
                if ((r = stop_with_lock(ctx, name, &lock, 0, true, &m)) < 0)
                        return r;
                if (container_liveness(&m) == LIVE_RUNNING)
                        return ctx_fail(ctx, EBUSY, "container \"%s\": was started again while it was being removed; not removed", name);
        }
        if ((r = container_finalize(ctx, &m, NULL)) < 0)
                return r;
        /* the kernel has the last word: a disk a loop device still reads
         * belongs to a run the store lost track of, never deleted */
        if (container_disk_busy(ctx, name))
                return ctx_fail(ctx, EBUSY, "container \"%s\": its disk is still attached to a loop device (a run still alive?); not removed", name);
        /* manifest first: a crash between leaves an orphan folder that check
         * removes, never a manifest that names nothing */
        if ((r = manifest_remove(ctx, KIND_CONTAINERS, name)) < 0)
                return r;
        fault_point("container-remove-manifest");
        _cleanup_free_ char *dir = container_dir(ctx, name);
        if (dir && (r = rm_rf(dir)) < 0)
                ctx_log(ctx, BL_LOG_WARNING, "container \"%s\": cannot remove %s: %s", name, dir, strerror(-r));
        if (m.nnets)
                hosts_refresh(ctx);
        ctx_trace(ctx, "remove: done");
        ctx_log(ctx, BL_LOG_INFO, "container \"%s\": removed", name);
        return 0;
}

BL_EXPORT int bl_container_remove(bl_ctx *ctx, const char *name, int force)
{
        ctx_begin_call(ctx);
        return ctx_end_call(ctx, container_remove_call(ctx, name, force), "container \"%s\"", name ? name : "");
}
