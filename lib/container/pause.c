/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pause and unpause: the container's cgroup frozen and thawed.  The
 * kernel's freezer state is the only record of a pause: nothing in the
 * manifest can disagree with it. */
#include "container.h"

bool container_paused(bl_ctx *ctx, const struct container_model *m)
{
        struct cg_host h;
        char cg[CGNAME_MAX];
        bool frozen = false;
        if (container_liveness(m) != LIVE_RUNNING)
                return false;
        if (cgroup_host(ctx, &h) < 0) {
                ctx_error_take(ctx, NULL);
                return false;
        }
        return cgroup_frozen(&h, container_cgroup(ctx, m, cg), &frozen) == 0 && frozen;
}

/* The record is the public view built from the model, not the manifest:
 * "paused" is decided here, at record time. */
int container_show_paused(bl_ctx *ctx, const struct container_model *m, bl_record *rec)
{
        return container_paused(ctx, m) ? record_set(rec, "state", "paused") : 0;
}

int container_thaw(bl_ctx *ctx, const struct container_model *m)
{
        if (!container_paused(ctx, m))
                return 0;
        struct cg_host h;
        char cg[CGNAME_MAX];
        int r = cgroup_host(ctx, &h);
        if (r < 0 || (r = cgroup_freeze(ctx, &h, container_cgroup(ctx, m, cg), false)) < 0)
                return ctx_fail_wrap(ctx, r, "container \"%s\"", m->name);
        return 0;
}

static int set_paused_call(bl_ctx *ctx, const char *name, bool pause)
{
        _cleanup_unlock_ int lock = -1;
        _cleanup_model_ struct container_model m = { 0 };
        int r = container_lock_load(ctx, name, &lock, &m);
        if (r < 0)
                return r;
        if (container_liveness(&m) != LIVE_RUNNING)
                return ctx_fail(ctx, EINVAL, "container \"%s\": is not running", name);
        struct cg_host h;
        char cg[CGNAME_MAX];
        bool frozen;
        if ((r = cgroup_host(ctx, &h)) < 0)
                return ctx_fail_wrap(ctx, r, "container \"%s\"", name);
        container_cgroup(ctx, &m, cg);
        if ((r = cgroup_frozen(&h, cg, &frozen)) < 0 && r != -ENOENT)
                return ctx_fail(ctx, r, "container \"%s\": cannot read its freezer state: %s", name, strerror(-r));
        if (r == 0 && frozen == pause)
                return ctx_fail(ctx, EINVAL, "container \"%s\": is %s", name, pause ? "already paused" : "not paused");
        if ((r = cgroup_freeze(ctx, &h, cg, pause)) < 0)
                return ctx_fail_wrap(ctx, r, "container \"%s\"", name);
        ctx_log(ctx, BL_LOG_INFO, "container \"%s\": %s", name, pause ? "paused" : "unpaused");
        return 0;
}

BL_EXPORT int bl_container_pause(bl_ctx *ctx, const char *name)
{
        ctx_begin_call(ctx);
        return ctx_end_call(ctx, set_paused_call(ctx, name, true), "container \"%s\"", name ? name : "");
}

BL_EXPORT int bl_container_unpause(bl_ctx *ctx, const char *name)
{
        ctx_begin_call(ctx);
        return ctx_end_call(ctx, set_paused_call(ctx, name, false), "container \"%s\"", name ? name : "");
}
