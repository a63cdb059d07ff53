/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <time.h>

#include "container.h"

/* Computed keys a listing adds to the manifest's own. */
static int decorate(const struct container_model *m, bl_record *rec)
{
        int r = 0;
        if (m->state == CSTATE_RUNNING && m->starting_time)
                r = record_setf(rec, "uptime", "%lld", (long long) time(NULL) - (long long) m->starting_time);
        char addrs[MODEL_MAX_NETS * 20] = "", ip[16];
        size_t n = 0;
        for (size_t i = 0; i < m->nnets; i++) {
                format_ipv4(m->nets[i].addr, ip);
                n += (size_t) snprintf(addrs + n, sizeof(addrs) - n, "%s%s/%d", i ? "," : "", ip, m->nets[i].prefix);
        }
        if (r == 0)
                r = record_set(rec, "addresses", addrs);
        char limits[256] = "", b[32];
        n = 0;
        if (m->limits.memory) {
                format_size(m->limits.memory, b);
                n += (size_t) snprintf(limits + n, sizeof(limits) - n, "mem=%s ", b);
        }
        if (m->limits.cpus && n < sizeof(limits))
                n += (size_t) snprintf(limits + n, sizeof(limits) - n, "cpus=%s ", m->limits.cpus);
        if (m->limits.cpu_quota > 0 && n < sizeof(limits))
                n += (size_t) snprintf(limits + n, sizeof(limits) - n, "quota=%g ", m->limits.cpu_quota);
        if (m->limits.pids && n < sizeof(limits))
                n += (size_t) snprintf(limits + n, sizeof(limits) - n, "pids=%" PRIu64 " ", m->limits.pids);
        if (m->limits.ndisk && n < sizeof(limits))
                n += (size_t) snprintf(limits + n, sizeof(limits) - n, "disk-bps ");
        if (n && n < sizeof(limits))
                limits[n - 1] = 0;
        return r < 0 ? r : record_set(rec, "limits", limits);
}

int container_record(const struct container_model *m, bl_record **ret)
{
        _cleanup_record_ bl_record *rec = NULL;
        int r = container_model_encode(m, &rec);
        if (r < 0 || (r = decorate(m, rec)) < 0)
                return r;
        *ret = steal_ptr(&rec);
        return 0;
}

/* The truth in memory only, where the store cannot be written. */
static void truth_in_memory(struct container_model *m)
{
        if (m->state == CSTATE_RUNNING && container_liveness(m) == LIVE_DEAD) {
                m->state = CSTATE_EXITED;
                m->run.pid = 0;
        }
}

/* A lock that cannot be had on a read-only (or foreign) root: show the
 * state without correcting it, with a warning. */
static bool read_only_root(bl_ctx *ctx, int r)
{
        if (r != -EROFS && r != -EACCES && r != -EPERM)
                return false;
        ctx_log(ctx, BL_LOG_WARNING, "state root \"%s\": cannot be written (%s); showing the state without correcting it", ctx->root,
               strerror(-r));
        ctx_error_take(ctx, NULL);
        return true;
}

static bool says_running_but_dead(const struct container_model *m)
{
        return m->state == CSTATE_RUNNING && container_liveness(m) == LIVE_DEAD;
}

/* The truth, written back when it differs (the seed's list "updates the
 * instances file if needed"); never restarts anything. */
static void refresh(bl_ctx *ctx, struct container_model *m)
{
        if (says_running_but_dead(m))
                container_finalize(ctx, m, NULL);
}

/* The models of a listing, corrected under the lock where they lie. */
static int load_truth(bl_ctx *ctx, struct container_models *all)
{
        int r = container_models_load(ctx, all);
        if (r < 0)
                return r;
        bool need_lock = false;
        for (size_t i = 0; i < all->n; i++)
                need_lock |= says_running_but_dead(&all->items[i]);
        if (!need_lock)
                return 0;
        /* re-read under the lock before correcting anything */
        _cleanup_unlock_ int lock = -1;
        if ((r = store_lock(ctx, &lock)) < 0) {
                if (!read_only_root(ctx, r))
                        return r;
                for (size_t i = 0; i < all->n; i++)
                        truth_in_memory(&all->items[i]);
                return 0;
        }
        container_models_done(all);
        if ((r = container_models_load(ctx, all)) < 0)
                return r;
        for (size_t i = 0; i < all->n; i++)
                refresh(ctx, &all->items[i]);
        return 0;
}

static int container_list_call(bl_ctx *ctx, int all, bl_record_list **ret)
{
        _cleanup_record_list_ bl_record_list *out = record_list_new();
        _cleanup_models_ struct container_models models = { 0 };
        int r;
        if (!out)
                return -ENOMEM;
        if ((r = load_truth(ctx, &models)) < 0)
                return r;
        for (size_t i = 0; i < models.n; i++) {
                const struct container_model *m = &models.items[i];
                bl_record *rec;
                if (m->state == CSTATE_CREATING || (!all && m->state != CSTATE_RUNNING))
                        continue;
                if ((r = container_record(m, &rec)) < 0)
                        return r;
                if ((r = container_show_paused(ctx, m, rec)) < 0 || (r = record_list_push(out, rec)) < 0) {
                        bl_record_free(rec);
                        return r;
                }
        }
        *ret = steal_ptr(&out);
        return 0;
}

BL_EXPORT int bl_container_list(bl_ctx *ctx, int all, bl_record_list **ret)
{
        ctx_begin_call(ctx);
        return ctx_end_call(ctx, container_list_call(ctx, all, ret), "state root \"%s\": containers", ctx->root);
}

int container_load_truth(bl_ctx *ctx, const char *name, struct container_model *m)
{
        int r = container_load(ctx, name, m);
        if (r < 0)
                return r;
        if (says_running_but_dead(m)) {
                _cleanup_unlock_ int lock = -1;
                if ((r = store_lock(ctx, &lock)) < 0) {
                        if (!read_only_root(ctx, r))
                                return r;
                        truth_in_memory(m);
                } else {
                        container_model_done(m);
                        if ((r = container_load(ctx, name, m)) < 0)
                                return r;
                        refresh(ctx, m);
                }
        }
        return 0;
}

static int container_inspect_call(bl_ctx *ctx, const char *name, bl_record **ret)
{
        _cleanup_model_ struct container_model m = { 0 };
        _cleanup_record_ bl_record *rec = NULL;
        int r = container_load_truth(ctx, name, &m);
        if (r < 0 || (r = container_record(&m, &rec)) < 0 || (r = container_show_paused(ctx, &m, rec)) < 0)
                return r;
        *ret = steal_ptr(&rec);
        return 0;
}

BL_EXPORT int bl_container_inspect(bl_ctx *ctx, const char *name, bl_record **ret)
{
        ctx_begin_call(ctx);
        return ctx_end_call(ctx, container_inspect_call(ctx, name, ret), "container \"%s\"", name ? name : "");
}

static int container_log_path_call(bl_ctx *ctx, const char *name, char **ret_path)
{
        _cleanup_model_ struct container_model m = { 0 };
        int r = container_load(ctx, name, &m);
        if (r < 0)
                return r;
        char *p = container_file(ctx, name, "console.log");
        if (!p)
                return -ENOMEM;
        *ret_path = p;
        return 0;
}

BL_EXPORT int bl_container_log_path(bl_ctx *ctx, const char *name, char **ret_path)
{
        ctx_begin_call(ctx);
        return ctx_end_call(ctx, container_log_path_call(ctx, name, ret_path), "container \"%s\"", name ? name : "");
}

/* The API's stats record (keys as before: memory_bytes memory_limit
 * cpu_usec pids disk_read_bytes disk_write_bytes). */
static int stats_record(const struct cg_stats *st, bl_record *out)
{
        int r = 0;
        if (st->has_memory)
                r = record_setf(out, "memory_bytes", "%" PRIu64, st->memory_bytes);
        if (r == 0 && st->has_memory_limit)
                r = record_setf(out, "memory_limit", "%" PRIu64, st->memory_limit);
        if (r == 0 && st->has_cpu)
                r = record_setf(out, "cpu_usec", "%" PRIu64, st->cpu_usec);
        if (r == 0 && st->has_pids)
                r = record_setf(out, "pids", "%" PRIu64, st->pids);
        if (r == 0)
                r = record_setf(out, "disk_read_bytes", "%" PRIu64, st->disk_read_bytes);
        if (r == 0)
                r = record_setf(out, "disk_write_bytes", "%" PRIu64, st->disk_write_bytes);
        return r;
}

static int container_stats_call(bl_ctx *ctx, const char *name, bl_record **ret)
{
        _cleanup_model_ struct container_model m = { 0 };
        _cleanup_record_ bl_record *out = record_new();
        int r = container_load(ctx, name, &m);
        if (r < 0)
                return r;
        if (!out)
                return -ENOMEM;
        if (container_liveness(&m) != LIVE_RUNNING)
                return ctx_fail(ctx, EINVAL, "container \"%s\": is not running", name);
        struct cg_host h;
        struct cg_stats st;
        char cg[CGNAME_MAX];
        if ((r = cgroup_host(ctx, &h)) < 0 || (r = cgroup_stats(ctx, &h, container_cgroup(ctx, &m, cg), &st)) < 0)
                return r;
        if ((r = stats_record(&st, out)) < 0 || (r = record_set(out, "name", name)) < 0)
                return r;
        *ret = steal_ptr(&out);
        return 0;
}

BL_EXPORT int bl_container_stats(bl_ctx *ctx, const char *name, bl_record **ret)
{
        ctx_begin_call(ctx);
        return ctx_end_call(ctx, container_stats_call(ctx, name, ret), "container \"%s\"", name ? name : "");
}

static int container_update_call(bl_ctx *ctx, const char *name, const bl_container_config *cfg)
{
        _cleanup_unlock_ int lock = -1;
        _cleanup_model_ struct container_model m = { 0 };
        struct container_limits set = { 0 };
        int r = container_lock_load(ctx, name, &lock, &m);
        if (r < 0)
                return r;
        struct cg_host h;
        struct cg_limits lim;
        char cg[CGNAME_MAX];
        if ((r = limits_from_config(ctx, cfg, &set)) < 0)
                goto out;
        limits_cg_view(&set, &lim);
        if ((r = cgroup_host(ctx, &h)) < 0 || (r = cgroup_validate(ctx, &h, &lim)) < 0 ||
            (container_liveness(&m) == LIVE_RUNNING && (r = cgroup_apply(ctx, &h, container_cgroup(ctx, &m, cg), &lim)) < 0)) {
                ctx_fail_wrap(ctx, r, "container \"%s\"", name);
                goto out;
        }
        limits_merge(&m.limits, &set);
        r = container_save(ctx, &m);
out:
        container_limits_done(&set);
        return r;
}

BL_EXPORT int bl_container_update(bl_ctx *ctx, const char *name, const bl_container_config *cfg)
{
        ctx_begin_call(ctx);
        return ctx_end_call(ctx, container_update_call(ctx, name, cfg), "container \"%s\"", name ? name : "");
}
