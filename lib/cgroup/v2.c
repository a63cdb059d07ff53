/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup v2: one unified hierarchy; devices through an eBPF program. */
#include <inttypes.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "devices_bpf.h"


static const char *const controllers[] = { "cpuset", "cpu", "io", "memory", "pids" };

static char *dir_of(const struct cg_host *h, const char *name)
{
        return name ? bl_asprintf("%s/baleine/%s", h->fsroot, name) : bl_asprintf("%s/baleine", h->fsroot);
}

static bool has_controller(const struct cg_host *h, const char *ctl)
{
        _cleanup_free_ char *p = bl_asprintf("%s/cgroup.controllers", h->fsroot), *s = NULL;
        if (!p || read_line(p, &s) < 0)
                return false;
        for (char *save = NULL, *w = strtok_r(s, " ", &save); w; w = strtok_r(NULL, " ", &save))
                if (strcmp(w, ctl) == 0)
                        return true;
        return false;
}

static void enable_controllers(const char *dir, const struct cg_host *h)
{
        for (size_t i = 0; i < ARRAY_SIZE(controllers); i++) {
                if (!has_controller(h, controllers[i]))
                        continue;
                char v[32];
                snprintf(v, sizeof(v), "+%s", controllers[i]);
                /* best effort: a controller the parent lacks shows up as an
                 * error when a limit needs it */
                (void) cg_write(NULL, dir, "cgroup.subtree_control", v);
        }
}

static int v2_create(bl_ctx *ctx, const struct cg_host *h, const char *name)
{
        _cleanup_free_ char *base = dir_of(h, NULL), *dir = dir_of(h, name);
        if (!base || !dir)
                return -ENOMEM;
        enable_controllers(h->fsroot, h);
        if (mkdir(base, 0755) < 0 && errno != EEXIST)
                return bl_err(ctx, errno, "cgroup %s: %m", base);
        enable_controllers(base, h);
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return bl_err(ctx, errno, "cgroup %s: %m", dir);
        return 0;
}

static int need(bl_ctx *ctx, const struct cg_host *h, const char *ctl, const char *option)
{
        if (!has_controller(h, ctl))
                return bl_err(ctx, ENOTSUP, "%s: the host's cgroup v2 has no %s controller", option, ctl);
        return 0;
}

static int v2_devices(bl_ctx *ctx, const struct cg_host *h, const char *dir, const struct cg_limits *lim)
{
        if (cg_is_real(dir))
                return devices_bpf_attach(ctx, dir, lim);
        /* a fake tree (unit tests): record the policy the program would enforce */
        _cleanup_free_ char *text = devices_policy_text(lim);
        _cleanup_free_ char *p = bl_asprintf("%s/devices.policy", dir);
        if (!text || !p)
                return -ENOMEM;
        (void) h;
        return write_file_atomic(p, text, strlen(text), 0644);
}

static int v2_apply(bl_ctx *ctx, const struct cg_host *h, const char *name, const struct cg_limits *lim)
{
        _cleanup_free_ char *d = dir_of(h, name);
        char v[96];
        int r;
        if (!d)
                return -ENOMEM;
        if (lim->memory) {
                snprintf(v, sizeof(v), "%" PRIu64, lim->memory);
                if ((r = need(ctx, h, "memory", "memory limit")) < 0 || (r = cg_write(ctx, d, "memory.max", v)) < 0)
                        return r;
                _cleanup_free_ char *swap = bl_asprintf("%s/memory.swap.max", d);
                if (swap && path_exists(swap) && (r = cg_write(ctx, d, "memory.swap.max", "0")) < 0)
                        return r;
        }
        if (lim->cpus) {
                if ((r = need(ctx, h, "cpuset", "cpus")) < 0 || (r = cg_write(ctx, d, "cpuset.cpus", lim->cpus)) < 0)
                        return r;
        }
        if (lim->cpu_quota > 0) {
                snprintf(v, sizeof(v), "%lld 100000", (long long) (lim->cpu_quota * 100000));
                if ((r = need(ctx, h, "cpu", "cpu quota")) < 0 || (r = cg_write(ctx, d, "cpu.max", v)) < 0)
                        return r;
        }
        if (lim->pids) {
                snprintf(v, sizeof(v), "%" PRIu64, lim->pids);
                if ((r = need(ctx, h, "pids", "pids limit")) < 0 || (r = cg_write(ctx, d, "pids.max", v)) < 0)
                        return r;
        }
        for (size_t i = 0; i < lim->ndisk; i++) {
                if ((r = need(ctx, h, "io", "disk bandwidth")) < 0)
                        return r;
                int n = snprintf(v, sizeof(v), "%u:%u", lim->disk[i].major, lim->disk[i].minor);
                if (lim->disk[i].read_bps)
                        n += snprintf(v + n, sizeof(v) - (size_t) n, " rbps=%" PRIu64, lim->disk[i].read_bps);
                if (lim->disk[i].write_bps)
                        snprintf(v + n, sizeof(v) - (size_t) n, " wbps=%" PRIu64, lim->disk[i].write_bps);
                if ((r = cg_write(ctx, d, "io.max", v)) < 0)
                        return r;
        }
        if (lim->device_rules_apply)
                return v2_devices(ctx, h, d, lim);
        return 0;
}

static int v2_procs_files(const struct cg_host *h, const char *name, char ***ret)
{
        _cleanup_free_ char *p = bl_asprintf("%s/baleine/%s/cgroup.procs", h->fsroot, name);
        char **v = NULL;
        if (!p || strv_push(&v, p) < 0)
                return -ENOMEM;
        *ret = v;
        return 0;
}

static int v2_remove(bl_ctx *ctx, const struct cg_host *h, const char *name)
{
        _cleanup_free_ char *d = dir_of(h, name);
        if (!d)
                return -ENOMEM;
        int r = cg_rmdir(d);
        return r < 0 ? bl_err(ctx, r, "cgroup %s: cannot remove: %s", d, strerror(-r)) : 0;
}

static bool v2_exists(const struct cg_host *h, const char *name)
{
        _cleanup_free_ char *d = dir_of(h, name);
        return d && path_exists(d);
}

static void io_bytes(const char *dir, uint64_t *rd, uint64_t *wr)
{
        _cleanup_free_ char *p = bl_asprintf("%s/io.stat", dir), *s = NULL;
        *rd = *wr = 0;
        if (!p || read_file(p, &s, NULL) < 0)
                return;
        for (char *save = NULL, *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *f;
                if ((f = strstr(l, "rbytes=")))
                        *rd += strtoull(f + 7, NULL, 10);
                if ((f = strstr(l, "wbytes=")))
                        *wr += strtoull(f + 7, NULL, 10);
        }
}

static int v2_stats(const struct cg_host *h, const char *name, bl_record *out)
{
        _cleanup_free_ char *d = dir_of(h, name);
        uint64_t v;
        if (!d)
                return -ENOMEM;
        if (!path_exists(d))
                return -ENOENT;
        if (cg_read_u64(d, "memory.current", &v) == 0)
                record_setf(out, "memory_bytes", "%" PRIu64, v);
        if (cg_read_u64(d, "memory.max", &v) == 0)
                record_setf(out, "memory_limit", "%" PRIu64, v);
        if (cg_read_keyed(d, "cpu.stat", "usage_usec", &v) == 0)
                record_setf(out, "cpu_usec", "%" PRIu64, v);
        if (cg_read_u64(d, "pids.current", &v) == 0)
                record_setf(out, "pids", "%" PRIu64, v);
        uint64_t rd, wr;
        io_bytes(d, &rd, &wr);
        record_setf(out, "disk_read_bytes", "%" PRIu64, rd);
        record_setf(out, "disk_write_bytes", "%" PRIu64, wr);
        return 0;
}

static int v2_oom_kills(const struct cg_host *h, const char *name, uint64_t *ret)
{
        _cleanup_free_ char *d = dir_of(h, name);
        return d ? cg_read_keyed(d, "memory.events", "oom_kill", ret) : -ENOMEM;
}

const struct cg_backend cg_v2 = {
        .create = v2_create,
        .apply = v2_apply,
        .procs_files = v2_procs_files,
        .remove = v2_remove,
        .exists = v2_exists,
        .stats = v2_stats,
        .oom_kills = v2_oom_kills,
};
