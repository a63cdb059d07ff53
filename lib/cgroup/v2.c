/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup v2: one unified hierarchy; devices through an eBPF program. */
#include <inttypes.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "devices_bpf.h"

/* Controllers every container gets: memory (its limit, OOM events, usage),
 * pids and io (counts and bytes for stats).  cpu and cpuset are enabled
 * only when a limit asks for them (at creation or by an update): each
 * controller enabled costs the kernel work for every process below it. */
static const char *const base_controllers[] = { "memory", "pids", "io" };

static char *dir_of(const struct cg_host *h, const char *name)
{
        return name ? strdup_printf("%s/baleine/%s", h->fsroot, name) : strdup_printf("%s/baleine", h->fsroot);
}

/* Whether a controller list file (cgroup.controllers, cgroup.subtree_control)
 * names ctl; a fake tree's "+ctl" lines count too. */
static bool listed(const char *dir, const char *file, const char *ctl)
{
        _cleanup_free_ char *p = strdup_printf("%s/%s", dir, file), *s = NULL;
        if (!p || read_file(p, &s, NULL) < 0)
                return false;
        for (char *save = NULL, *w = strtok_r(s, " \n", &save); w; w = strtok_r(NULL, " \n", &save))
                if (strcmp(w + (*w == '+'), ctl) == 0)
                        return true;
        return false;
}

/* Makes ctl available in the container's cgroup: "+ctl" in the
 * cgroup.subtree_control of each of its ancestors (the root, baleine/...)
 * that lacks it, nothing else.  Only what the root offers can be enabled
 * (its cgroup.controllers: what the kernel, or whoever delegated this tree,
 * gives); what systemd enabled for its slices is neither taken nor changed,
 * and systemd cannot take back a controller our subtree still uses (the
 * kernel refuses it with EBUSY, which systemd expects). */
static int delegate(bl_ctx *ctx, const struct cg_host *h, const char *name, const char *ctl, const char *option)
{
        if (!listed(h->fsroot, "cgroup.controllers", ctl))
                return ctx_fail(ctx, ENOTSUP, "%s: the cgroup v2 tree %s offers no %s controller", option, h->fsroot, ctl);
        _cleanup_free_ char *leaf = dir_of(h, name);
        if (!leaf)
                return -ENOMEM;
        char v[32];
        snprintf(v, sizeof(v), "+%s", ctl);
        /* each '/' from the end of fsroot on ends an ancestor of the leaf */
        for (char *slash = leaf + strlen(h->fsroot); slash && *slash == '/'; slash = strchr(slash + 1, '/')) {
                *slash = 0;
                int r = listed(leaf, "cgroup.subtree_control", ctl) ? 0 : cg_write(NULL, leaf, "cgroup.subtree_control", v);
                if (r < 0) {
                        /* EBUSY: a process sits in that inner cgroup (the
                         * no-internal-process rule); not one of ours */
                        ctx_fail(ctx, r, "cgroup %s: cannot enable the %s controller for its children (%s): %s", leaf, ctl, option,
                               r == -EBUSY ? "processes live in it" : strerror(-r));
                        *slash = '/';
                        return r;
                }
                *slash = '/';
        }
        if (cg_is_real(leaf) && !listed(leaf, "cgroup.controllers", ctl))
                return ctx_fail(ctx, ENOTSUP, "cgroup %s: the %s controller (%s) is not available in it", leaf, ctl, option);
        return 0;
}

static int v2_create(bl_ctx *ctx, const struct cg_host *h, const char *name)
{
        _cleanup_free_ char *dir = dir_of(h, name);
        if (!dir)
                return -ENOMEM;
        /* baleine/, then each level of name, then the leaf */
        for (char *slash = strchr(dir + strlen(h->fsroot) + 1, '/');; slash = strchr(slash + 1, '/')) {
                if (slash)
                        *slash = 0;
                if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                        return ctx_fail(ctx, errno, "cgroup %s: %m", dir);
                if (!slash)
                        break;
                *slash = '/';
        }
        for (size_t i = 0; i < ARRAY_SIZE(base_controllers); i++) {
                if (!listed(h->fsroot, "cgroup.controllers", base_controllers[i]))
                        continue;       /* a usage the host cannot count: stats without it */
                int r = delegate(ctx, h, name, base_controllers[i], "usage accounting");
                if (r < 0) {
                        (void) cg_rmdir(dir);
                        return r;
                }
        }
        return 0;
}

static int v2_devices(bl_ctx *ctx, const struct cg_host *h, const char *dir, const struct cg_limits *lim)
{
        if (cg_is_real(dir))
                return devices_bpf_attach(ctx, dir, lim);
        /* a fake tree (unit tests): record the policy the program would enforce */
        _cleanup_free_ char *text = devices_policy_text(lim);
        _cleanup_free_ char *p = strdup_printf("%s/devices.policy", dir);
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
                if ((r = delegate(ctx, h, name, "memory", "memory limit")) < 0 || (r = cg_write(ctx, d, "memory.max", v)) < 0)
                        return r;
                _cleanup_free_ char *swap = strdup_printf("%s/memory.swap.max", d);
                if (swap && path_exists(swap) && (r = cg_write(ctx, d, "memory.swap.max", "0")) < 0)
                        return r;
        }
        if (lim->cpus) {
                if ((r = delegate(ctx, h, name, "cpuset", "cpus")) < 0 || (r = cg_write(ctx, d, "cpuset.cpus", lim->cpus)) < 0)
                        return r;
        }
        if (lim->cpu_quota > 0) {
                snprintf(v, sizeof(v), "%lld 100000", (long long) (lim->cpu_quota * 100000));
                if ((r = delegate(ctx, h, name, "cpu", "cpu quota")) < 0 || (r = cg_write(ctx, d, "cpu.max", v)) < 0)
                        return r;
        }
        if (lim->pids) {
                snprintf(v, sizeof(v), "%" PRIu64, lim->pids);
                if ((r = delegate(ctx, h, name, "pids", "pids limit")) < 0 || (r = cg_write(ctx, d, "pids.max", v)) < 0)
                        return r;
        }
        for (size_t i = 0; i < lim->ndisk; i++) {
                if ((r = delegate(ctx, h, name, "io", "disk bandwidth")) < 0)
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
        _cleanup_free_ char *p = strdup_printf("%s/baleine/%s/cgroup.procs", h->fsroot, name);
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
        return r < 0 ? ctx_fail(ctx, r, "cgroup %s: cannot remove: %s", d, strerror(-r)) : 0;
}

static bool v2_exists(const struct cg_host *h, const char *name)
{
        _cleanup_free_ char *d = dir_of(h, name);
        return d && path_exists(d);
}

static void io_bytes(const char *dir, uint64_t *rd, uint64_t *wr)
{
        _cleanup_free_ char *p = strdup_printf("%s/io.stat", dir), *s = NULL;
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

static int v2_stats(const struct cg_host *h, const char *name, struct cg_stats *out)
{
        _cleanup_free_ char *d = dir_of(h, name);
        if (!d)
                return -ENOMEM;
        if (!path_exists(d))
                return -ENOENT;
        out->has_memory = cg_read_u64(d, "memory.current", &out->memory_bytes) == 0;
        out->has_memory_limit = cg_read_u64(d, "memory.max", &out->memory_limit) == 0;
        out->has_cpu = cg_read_keyed(d, "cpu.stat", "usage_usec", &out->cpu_usec) == 0;
        out->has_pids = cg_read_u64(d, "pids.current", &out->pids) == 0;
        io_bytes(d, &out->disk_read_bytes, &out->disk_write_bytes);
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
