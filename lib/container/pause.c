/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pause and unpause: the container's cgroup frozen and thawed.  The
 * kernel's freezer state is the only record of a pause: nothing in the
 * manifest can disagree with it. */
#include "container.h"

bool container_paused(bl_ctx *ctx, const bl_record *rec)
{
        struct cg_host h;
        char cg[CGNAME_MAX];
        bool frozen = false;
        if (container_liveness(rec) != LIVE_RUNNING)
                return false;
        if (cgroup_host(ctx, &h) < 0) {
                ctx_error_take(ctx, NULL);
                return false;
        }
        return cgroup_frozen(&h, container_cgroup(ctx, rec, cg), &frozen) == 0 && frozen;
}

void container_show_paused(bl_ctx *ctx, bl_record *rec)
{
        if (container_paused(ctx, rec))
                record_set(rec, "state", "paused");
}

int container_thaw(bl_ctx *ctx, const bl_record *rec)
{
        if (!container_paused(ctx, rec))
                return 0;
        struct cg_host h;
        char cg[CGNAME_MAX];
        int r = cgroup_host(ctx, &h);
        if (r < 0 || (r = cgroup_freeze(ctx, &h, container_cgroup(ctx, rec, cg), false)) < 0)
                return ctx_fail_wrap(ctx, r, "container \"%s\"", bl_record_get(rec, "name"));
        return 0;
}

static int set_paused(bl_ctx *ctx, const char *name, bool pause)
{
        ctx_begin_call(ctx);
        _cleanup_unlock_ int lock = -1;
        _cleanup_record_ bl_record *rec = NULL;
        int r = container_lock_load(ctx, name, &lock, &rec);
        if (r < 0)
                return r;
        if (container_liveness(rec) != LIVE_RUNNING)
                return ctx_fail(ctx, EINVAL, "container \"%s\": is not running", name);
        struct cg_host h;
        char cg[CGNAME_MAX];
        bool frozen;
        if ((r = cgroup_host(ctx, &h)) < 0)
                return ctx_fail_wrap(ctx, r, "container \"%s\"", name);
        container_cgroup(ctx, rec, cg);
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
        return set_paused(ctx, name, true);
}

BL_EXPORT int bl_container_unpause(bl_ctx *ctx, const char *name)
{
        return set_paused(ctx, name, false);
}
