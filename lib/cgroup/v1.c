/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup v1 (and hybrid: the controllers live on v1 hierarchies). */
#include <inttypes.h>
#include <sys/stat.h>

#include "cgroup.h"

static const char *const controllers[] = { "memory", "cpu", "cpuacct", "cpuset", "pids", "blkio", "devices", "freezer" };

static char *dir_of(const struct cg_host *h, const char *ctl, const char *name)
{
        return name ? strdup_printf("%s/%s/baleine/%s", h->fsroot, ctl, name) : strdup_printf("%s/%s/baleine", h->fsroot, ctl);
}

static bool has_controller(const struct cg_host *h, const char *ctl)
{
        _cleanup_free_ char *p = strdup_printf("%s/%s/cgroup.procs", h->fsroot, ctl);
        return p && path_exists(p);
}

/* A cpuset cgroup takes no task until its cpus and mems are set: copy the parent's. */
static int cpuset_inherit(bl_ctx *ctx, const char *dir)
{
        _cleanup_free_ char *parent = strdup(dir);
        if (!parent)
                return -ENOMEM;
        *strrchr(parent, '/') = 0;
        static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                _cleanup_free_ char *mine = strdup_printf("%s/%s", dir, files[i]), *cur = NULL, *val = NULL;
                _cleanup_free_ char *theirs = strdup_printf("%s/%s", parent, files[i]);
                if (!mine || !theirs)
                        return -ENOMEM;
                if (read_line(mine, &cur) == 0 && *cur)
                        continue;
                if (read_line(theirs, &val) < 0)
                        return ctx_fail(ctx, ENOENT, "cgroup %s: cannot read %s", parent, files[i]);
                int r = cg_write(ctx, dir, files[i], val);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int v1_create(bl_ctx *ctx, const struct cg_host *h, const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(controllers); i++) {
                if (!has_controller(h, controllers[i]))
                        continue;
                _cleanup_free_ char *base = dir_of(h, controllers[i], NULL), *dir = dir_of(h, controllers[i], name);
                if (!base || !dir)
                        return -ENOMEM;
                if (mkdir(base, 0755) < 0 && errno != EEXIST)
                        return ctx_fail(ctx, errno, "cgroup %s: %m", base);
                if (strcmp(controllers[i], "cpuset") == 0 && cpuset_inherit(ctx, base) < 0)
                        return -EIO;
                if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                        return ctx_fail(ctx, errno, "cgroup %s: %m", dir);
                if (strcmp(controllers[i], "cpuset") == 0 && cpuset_inherit(ctx, dir) < 0)
                        return -EIO;
        }
        return 0;
}

static int need(bl_ctx *ctx, const struct cg_host *h, const char *ctl, const char *option)
{
        if (!has_controller(h, ctl))
                return ctx_fail(ctx, ENOTSUP, "%s: the host has no cgroup v1 %s controller", option, ctl);
        return 0;
}

static int set_memory(bl_ctx *ctx, const char *dir, uint64_t bytes)
{
        char v[32];
        snprintf(v, sizeof(v), "%" PRIu64, bytes);
        _cleanup_free_ char *memsw = strdup_printf("%s/memory.memsw.limit_in_bytes", dir);
        if (!memsw)
                return -ENOMEM;
        if (!path_exists(memsw))
                /* no swap accounting: keep the container out of swap instead */
                return cg_write(ctx, dir, "memory.limit_in_bytes", v) < 0 ? -EIO : cg_write(ctx, dir, "memory.swappiness", "0");
        /* memsw must stay >= the memory limit: order the writes by direction */
        uint64_t cur = 0;
        cg_read_u64(dir, "memory.limit_in_bytes", &cur);
        int r;
        if (bytes < cur) {
                if ((r = cg_write(ctx, dir, "memory.limit_in_bytes", v)) < 0)
                        return r;
                return cg_write(ctx, dir, "memory.memsw.limit_in_bytes", v);
        }
        if ((r = cg_write(ctx, dir, "memory.memsw.limit_in_bytes", v)) < 0)
                return r;
        return cg_write(ctx, dir, "memory.limit_in_bytes", v);
}

static int v1_apply(bl_ctx *ctx, const struct cg_host *h, const char *name, const struct cg_limits *lim)
{
        int r;
        char v[64];
        if (lim->memory) {
                _cleanup_free_ char *d = dir_of(h, "memory", name);
                if ((r = need(ctx, h, "memory", "memory limit")) < 0 || (r = set_memory(ctx, d, lim->memory)) < 0)
                        return r;
        }
        if (lim->cpus) {
                _cleanup_free_ char *d = dir_of(h, "cpuset", name);
                if ((r = need(ctx, h, "cpuset", "cpus")) < 0 || (r = cg_write(ctx, d, "cpuset.cpus", lim->cpus)) < 0)
                        return r;
        }
        if (lim->cpu_quota > 0) {
                _cleanup_free_ char *d = dir_of(h, "cpu", name);
                snprintf(v, sizeof(v), "%lld", (long long) (lim->cpu_quota * 100000));
                if ((r = need(ctx, h, "cpu", "cpu quota")) < 0 || (r = cg_write(ctx, d, "cpu.cfs_period_us", "100000")) < 0 ||
                    (r = cg_write(ctx, d, "cpu.cfs_quota_us", v)) < 0)
                        return r;
        }
        if (lim->pids) {
                _cleanup_free_ char *d = dir_of(h, "pids", name);
                snprintf(v, sizeof(v), "%" PRIu64, lim->pids);
                if ((r = need(ctx, h, "pids", "pids limit")) < 0 || (r = cg_write(ctx, d, "pids.max", v)) < 0)
                        return r;
        }
        for (size_t i = 0; i < lim->ndisk; i++) {
                _cleanup_free_ char *d = dir_of(h, "blkio", name);
                if ((r = need(ctx, h, "blkio", "disk bandwidth")) < 0)
                        return r;
                if (lim->disk[i].read_bps) {
                        snprintf(v, sizeof(v), "%u:%u %" PRIu64, lim->disk[i].major, lim->disk[i].minor, lim->disk[i].read_bps);
                        if ((r = cg_write(ctx, d, "blkio.throttle.read_bps_device", v)) < 0)
                                return r;
                }
                if (lim->disk[i].write_bps) {
                        snprintf(v, sizeof(v), "%u:%u %" PRIu64, lim->disk[i].major, lim->disk[i].minor, lim->disk[i].write_bps);
                        if ((r = cg_write(ctx, d, "blkio.throttle.write_bps_device", v)) < 0)
                                return r;
                }
        }
        return 0;
}

static int v1_devices(bl_ctx *ctx, const struct cg_host *h, const char *name, const struct cg_limits *lim)
{
        if (!has_controller(h, "devices"))
                return lim->all_devices ? 0 : ctx_fail(ctx, ENOTSUP, "devices: the host has no cgroup v1 devices controller");
        _cleanup_free_ char *d = dir_of(h, "devices", name);
        int r;
        if (lim->all_devices)
                return cg_write(ctx, d, "devices.allow", "a");
        if ((r = cg_write(ctx, d, "devices.deny", "a")) < 0)
                return r;
        for (const char *const *p = cg_default_devices; *p; p++)
                if ((r = cg_write(ctx, d, "devices.allow", *p)) < 0)
                        return r;
        for (char **p = lim->device_rules; p && *p; p++)
                if ((r = cg_write(ctx, d, (*p)[0] == 'a' ? "devices.allow" : "devices.deny", *p + 2)) < 0)
                        return r;
        return 0;
}

static int v1_apply_all(bl_ctx *ctx, const struct cg_host *h, const char *name, const struct cg_limits *lim)
{
        int r = v1_apply(ctx, h, name, lim);
        if (r < 0 || !lim->device_rules_apply)
                return r;
        return v1_devices(ctx, h, name, lim);
}

static int v1_procs_files(const struct cg_host *h, const char *name, char ***ret)
{
        char **v = NULL;
        for (size_t i = 0; i < ARRAY_SIZE(controllers); i++) {
                if (!has_controller(h, controllers[i]))
                        continue;
                _cleanup_free_ char *p = strdup_printf("%s/%s/baleine/%s/cgroup.procs", h->fsroot, controllers[i], name);
                if (!p || strv_push(&v, p) < 0) {
                        strv_freep(&v);
                        return -ENOMEM;
                }
        }
        if (!v)
                return -ENOENT;
        *ret = v;
        return 0;
}

static int v1_remove(bl_ctx *ctx, const struct cg_host *h, const char *name)
{
        int ret = 0;
        _cleanup_free_ char *mem = dir_of(h, "memory", name);
        /* a removed memory cgroup that still holds page cache lingers as a
         * zombie and slows later starts: empty it first */
        if (mem && path_exists(mem)) {
                _cleanup_free_ char *fe = strdup_printf("%s/memory.force_empty", mem);
                if (fe && path_exists(fe))
                        write_string(fe, "0");
        }
        for (size_t i = 0; i < ARRAY_SIZE(controllers); i++) {
                _cleanup_free_ char *d = dir_of(h, controllers[i], name);
                if (!d)
                        return -ENOMEM;
                int r = cg_rmdir(d);
                if (r < 0 && ret == 0)
                        ret = ctx_fail(ctx, r, "cgroup %s: cannot remove: %s", d, strerror(-r));
        }
        return ret;
}

static bool v1_exists(const struct cg_host *h, const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(controllers); i++) {
                _cleanup_free_ char *d = dir_of(h, controllers[i], name);
                if (d && path_exists(d))
                        return true;
        }
        return false;
}

static void blkio_bytes(const char *dir, uint64_t *rd, uint64_t *wr)
{
        _cleanup_free_ char *p = strdup_printf("%s/blkio.throttle.io_service_bytes", dir), *s = NULL;
        *rd = *wr = 0;
        if (!p || read_file(p, &s, NULL) < 0)
                return;
        for (char *save = NULL, *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char dev[32], op[16];
                unsigned long long n;
                if (sscanf(l, "%31s %15s %llu", dev, op, &n) != 3)
                        continue;
                if (strcmp(op, "Read") == 0)
                        *rd += n;
                else if (strcmp(op, "Write") == 0)
                        *wr += n;
        }
}

static int v1_stats(const struct cg_host *h, const char *name, struct cg_stats *out)
{
        uint64_t v;
        _cleanup_free_ char *mem = dir_of(h, "memory", name), *acct = dir_of(h, "cpuacct", name);
        _cleanup_free_ char *pids = dir_of(h, "pids", name), *blk = dir_of(h, "blkio", name);
        if (!mem || !acct || !pids || !blk)
                return -ENOMEM;
        if (!path_exists(mem))
                return -ENOENT;
        out->has_memory = cg_read_u64(mem, "memory.usage_in_bytes", &out->memory_bytes) == 0;
        out->has_memory_limit = cg_read_u64(mem, "memory.limit_in_bytes", &out->memory_limit) == 0;
        if ((out->has_cpu = cg_read_u64(acct, "cpuacct.usage", &v) == 0))
                out->cpu_usec = v / 1000;
        out->has_pids = cg_read_u64(pids, "pids.current", &out->pids) == 0;
        blkio_bytes(blk, &out->disk_read_bytes, &out->disk_write_bytes);
        return 0;
}

static int v1_oom_kills(const struct cg_host *h, const char *name, uint64_t *ret)
{
        _cleanup_free_ char *mem = dir_of(h, "memory", name);
        return mem ? cg_read_keyed(mem, "memory.oom_control", "oom_kill", ret) : -ENOMEM;
}

const struct cg_backend cg_v1 = {
        .create = v1_create,
        .apply = v1_apply_all,
        .procs_files = v1_procs_files,
        .remove = v1_remove,
        .exists = v1_exists,
        .stats = v1_stats,
        .oom_kills = v1_oom_kills,
};
