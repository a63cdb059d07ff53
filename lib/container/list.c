/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <time.h>

#include "container.h"

/* Computed keys a listing adds to the manifest's own. */
static void decorate(bl_record *rec)
{
        const char *state = bl_record_get(rec, "state");
        uint64_t started = 0;
        if (state && strcmp(state, "running") == 0 && record_get_u64(rec, "starting_time", &started) == 0 && started)
                record_setf(rec, "uptime", "%lld", (long long) time(NULL) - (long long) started);
        else
                record_set(rec, "uptime", NULL);
        char *addrs = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&addrs, &len);
        for (size_t i = 0; f && i < network_count(rec); i++) {
                char key[16];
                snprintf(key, sizeof(key), "net%zu", i);
                const char *v = bl_record_get(rec, key);
                char br[64], cidr[32];
                if (sscanf(v, "%63s %31s", br, cidr) == 2)
                        fprintf(f, "%s%s", i ? "," : "", cidr);
        }
        if (f) {
                fclose(f);
                record_set(rec, "addresses", addrs);
                free(addrs);
        }
        char limits[256] = "";
        size_t n = 0;
        uint64_t v;
        char b[32];
        if (record_get_u64(rec, "memory", &v) == 0) {
                format_size(v, b);
                n += (size_t) snprintf(limits + n, sizeof(limits) - n, "mem=%s ", b);
        }
        if (bl_record_get(rec, "cpus") && n < sizeof(limits))
                n += (size_t) snprintf(limits + n, sizeof(limits) - n, "cpus=%s ", bl_record_get(rec, "cpus"));
        if (bl_record_get(rec, "cpu_quota") && n < sizeof(limits))
                n += (size_t) snprintf(limits + n, sizeof(limits) - n, "quota=%s ", bl_record_get(rec, "cpu_quota"));
        if (bl_record_get(rec, "pids_limit") && n < sizeof(limits))
                n += (size_t) snprintf(limits + n, sizeof(limits) - n, "pids=%s ", bl_record_get(rec, "pids_limit"));
        if (bl_record_get(rec, "disk0") && n < sizeof(limits))
                n += (size_t) snprintf(limits + n, sizeof(limits) - n, "disk-bps ");
        if (n && n < sizeof(limits))
                limits[n - 1] = 0;
        record_set(rec, "limits", limits);
}

/* The truth in memory only, where the store cannot be written. */
static void truth_in_memory(bl_record *rec)
{
        const char *state = bl_record_get(rec, "state");
        if (state && strcmp(state, "running") == 0 && container_liveness(rec) == LIVE_DEAD) {
                record_set(rec, "state", "exited");
                record_set(rec, "pid", "0");
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
        ctx_begin_call(ctx);
        return true;
}

/* The truth, written back when it differs (the seed's list "updates the
 * instances file if needed"); never restarts anything. */
static void refresh(bl_ctx *ctx, bl_record *rec)
{
        const char *state = bl_record_get(rec, "state");
        if (state && strcmp(state, "running") == 0 && container_liveness(rec) == LIVE_DEAD)
                container_finalize(ctx, rec, NULL);
}

BL_EXPORT int bl_container_list(bl_ctx *ctx, int all, bl_record_list **ret)
{
        ctx_begin_call(ctx);
        _cleanup_record_list_ bl_record_list *list = NULL, *out = record_list_new();
        int r;
        if (!out)
                return -ENOMEM;
        if ((r = manifest_list(ctx, KIND_CONTAINERS, &list)) < 0)
                return r;
        bool need_lock = false;
        for (size_t i = 0; i < list->n; i++) {
                const char *state = bl_record_get(list->items[i], "state");
                if (state && strcmp(state, "running") == 0 && container_liveness(list->items[i]) == LIVE_DEAD)
                        need_lock = true;
        }
        if (need_lock) {
                /* re-read under the lock before correcting anything */
                _cleanup_unlock_ int lock = -1;
                if ((r = store_lock(ctx, &lock)) < 0) {
                        if (!read_only_root(ctx, r))
                                return r;
                        for (size_t i = 0; i < list->n; i++)
                                truth_in_memory(list->items[i]);
                } else {
                        bl_record_list_free(list);
                        list = NULL;
                        if ((r = manifest_list(ctx, KIND_CONTAINERS, &list)) < 0)
                                return r;
                        for (size_t i = 0; i < list->n; i++)
                                refresh(ctx, list->items[i]);
                }
        }
        for (size_t i = 0; i < list->n; i++) {
                const char *state = bl_record_get(list->items[i], "state");
                if (state && strcmp(state, "creating") == 0)
                        continue;
                if (!all && (!state || strcmp(state, "running") != 0))
                        continue;
                decorate(list->items[i]);
                container_show_paused(ctx, list->items[i]);
                if ((r = record_list_push(out, list->items[i])) < 0)
                        return r;
                list->items[i] = NULL;
        }
        *ret = steal_ptr(&out);
        return 0;
}

BL_EXPORT int bl_container_inspect(bl_ctx *ctx, const char *name, bl_record **ret)
{
        ctx_begin_call(ctx);
        bl_record *rec;
        int r = container_load(ctx, name, &rec);
        if (r < 0)
                return r;
        const char *state = bl_record_get(rec, "state");
        if (state && strcmp(state, "running") == 0 && container_liveness(rec) == LIVE_DEAD) {
                _cleanup_unlock_ int lock = -1;
                if ((r = store_lock(ctx, &lock)) < 0) {
                        if (!read_only_root(ctx, r)) {
                                bl_record_free(rec);
                                return r;
                        }
                        truth_in_memory(rec);
                } else {
                        bl_record_free(rec);
                        if ((r = container_load(ctx, name, &rec)) < 0)
                                return r;
                        refresh(ctx, rec);
                }
        }
        decorate(rec);
        container_show_paused(ctx, rec);
        *ret = rec;
        return 0;
}

BL_EXPORT int bl_container_log_path(bl_ctx *ctx, const char *name, char **ret_path)
{
        ctx_begin_call(ctx);
        _cleanup_record_ bl_record *rec = NULL;
        int r = container_load(ctx, name, &rec);
        if (r < 0)
                return r;
        char *p = container_file(ctx, name, "console.log");
        if (!p)
                return -ENOMEM;
        *ret_path = p;
        return 0;
}

BL_EXPORT int bl_container_stats(bl_ctx *ctx, const char *name, bl_record **ret)
{
        ctx_begin_call(ctx);
        _cleanup_record_ bl_record *rec = NULL, *out = record_new();
        int r = container_load(ctx, name, &rec);
        if (r < 0)
                return r;
        if (!out)
                return -ENOMEM;
        if (container_liveness(rec) != LIVE_RUNNING)
                return ctx_fail(ctx, EINVAL, "container \"%s\": is not running", name);
        struct cg_host h;
        char cg[CGNAME_MAX];
        if ((r = cgroup_host(ctx, &h)) < 0 || (r = cgroup_stats(ctx, &h, container_cgroup(ctx, rec, cg), out)) < 0)
                return r;
        record_set(out, "name", name);
        *ret = steal_ptr(&out);
        return 0;
}

BL_EXPORT int bl_container_update(bl_ctx *ctx, const char *name, const bl_container_config *cfg)
{
        ctx_begin_call(ctx);
        _cleanup_unlock_ int lock = -1;
        _cleanup_record_ bl_record *rec = NULL;
        int r = container_lock_load(ctx, name, &lock, &rec);
        if (r < 0)
                return r;
        struct cg_host h;
        struct cg_limits lim = { .memory = cfg->memory, .cpus = cfg->cpus, .cpu_quota = cfg->cpu_quota, .pids = cfg->pids };
        if ((r = cgroup_host(ctx, &h)) < 0 || (r = cgroup_validate(ctx, &h, &lim)) < 0)
                return ctx_fail_wrap(ctx, r, "container \"%s\"", name);
        char cg[CGNAME_MAX];
        if (container_liveness(rec) == LIVE_RUNNING && (r = cgroup_apply(ctx, &h, container_cgroup(ctx, rec, cg), &lim)) < 0)
                return ctx_fail_wrap(ctx, r, "container \"%s\"", name);
        if ((r = limits_to_record(ctx, cfg, rec)) < 0)
                return r;
        return container_save(ctx, rec);
}
