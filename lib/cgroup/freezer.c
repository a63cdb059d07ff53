/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Freezing a container's cgroup (pause): v1's freezer controller
 * (freezer.state FROZEN/THAWED, FREEZING while under way) or v2's
 * cgroup.freeze, done when cgroup.events says "frozen 1".  The kernel
 * freezes asynchronously: the caller waits for the end, bounded.
 */
#include <time.h>

#include "cgroup.h"

#define FREEZE_WAIT_MS 5000
#define FREEZE_STEP_MS 10

/* The folder holding the freezer files. */
static char *freezer_dir(const struct cg_host *h, const char *name)
{
        return h->version == CG_V2 ? strdup_printf("%s/baleine/%s", h->fsroot, name)
                                   : strdup_printf("%s/freezer/baleine/%s", h->fsroot, name);
}

/* What the kernel says now: 1 frozen, 0 thawed (or thawing, freezing). */
static int frozen_now(const struct cg_host *h, const char *dir, bool *ret)
{
        if (h->version == CG_V2) {
                uint64_t v;
                int r = cg_read_keyed(dir, "cgroup.events", "frozen", &v);
                if (r < 0)
                        return r;
                *ret = v == 1;
                return 0;
        }
        _cleanup_free_ char *p = strdup_printf("%s/freezer.state", dir), *s = NULL;
        if (!p)
                return -ENOMEM;
        int r = read_line(p, &s);
        if (r < 0)
                return r;
        *ret = strcmp(s, "FROZEN") == 0;
        return 0;
}

int cgroup_frozen(const struct cg_host *h, const char *name, bool *ret)
{
        _cleanup_free_ char *dir = freezer_dir(h, name);
        if (!dir)
                return -ENOMEM;
        return frozen_now(h, dir, ret);
}

int cgroup_freeze(bl_ctx *ctx, const struct cg_host *h, const char *name, bool freeze)
{
        _cleanup_free_ char *dir = freezer_dir(h, name);
        if (!dir)
                return -ENOMEM;
        const char *file = h->version == CG_V2 ? "cgroup.freeze" : "freezer.state";
        _cleanup_free_ char *path = strdup_printf("%s/%s", dir, file);
        if (!path)
                return -ENOMEM;
        if (!path_exists(path))
                return ctx_fail(ctx, ENOTSUP, "cgroup baleine/%s: no %s (%s)", name, file,
                                h->version == CG_V2 ? "a kernel before 5.2" : "the host has no v1 freezer controller");
        const char *value = h->version == CG_V2 ? (freeze ? "1" : "0") : (freeze ? "FROZEN" : "THAWED");
        int r = cg_write(ctx, dir, file, value);
        if (r < 0)
                return r;
        for (int waited = 0; waited < FREEZE_WAIT_MS; waited += FREEZE_STEP_MS) {
                bool frozen;
                if ((r = frozen_now(h, dir, &frozen)) < 0)
                        return ctx_fail(ctx, r, "cgroup baleine/%s: cannot read its freezer state: %s", name, strerror(-r));
                if (frozen == freeze)
                        return 0;
                /* v1 retries a freeze left FREEZING only when written again */
                if (freeze && h->version == CG_V1)
                        (void) cg_write(NULL, dir, file, value);
                nanosleep(&(struct timespec) { 0, FREEZE_STEP_MS * 1000 * 1000 }, NULL);
        }
        if (freeze)
                (void) cg_write(NULL, dir, file, h->version == CG_V2 ? "0" : "THAWED");
        return ctx_fail(ctx, ETIMEDOUT, "cgroup baleine/%s: not %s after %d s%s", name, freeze ? "frozen" : "thawed", FREEZE_WAIT_MS / 1000,
                        freeze ? "; thawed again" : "");
}
