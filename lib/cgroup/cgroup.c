/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>

#include "cgroup.h"

/* runc's default allow list, no more: nodes may be made (m) of any number,
 * but opened (rw) only for these. Not the console (5:1, the host's), nor
 * tun (10:200; runc dropped it too): --device-allow adds them back. */
const char *const cg_default_devices[] = {
        "c *:* m",      /* mknod of any char device: useless without rw */
        "b *:* m",      /* mknod of any block device: idem */
        "c 1:3 rwm",    /* null */
        "c 1:5 rwm",    /* zero */
        "c 1:7 rwm",    /* full */
        "c 1:8 rwm",    /* random */
        "c 1:9 rwm",    /* urandom */
        "c 5:0 rwm",    /* tty */
        "c 5:2 rwm",    /* ptmx */
        "c 136:* rwm",  /* pty slaves, the container's /dev/console among them */
        NULL,
};

static const struct cg_backend *backend(const struct cg_host *h)
{
        return h->version == CG_V2 ? &cg_v2 : &cg_v1;
}

bool cg_is_real(const char *path)
{
        struct statfs sfs;
        return statfs(path, &sfs) == 0 &&
               (sfs.f_type == (__typeof__(sfs.f_type)) CGROUP_SUPER_MAGIC || sfs.f_type == (__typeof__(sfs.f_type)) CGROUP2_SUPER_MAGIC);
}

int cg_write(bl_ctx *ctx, const char *dir, const char *file, const char *value)
{
        _cleanup_free_ char *p = strdup_printf("%s/%s", dir, file);
        if (!p)
                return -ENOMEM;
        /* a fake tree (unit tests) keeps every write, one a line */
        bool fake = !cg_is_real(dir);
        int fd = open(p, O_WRONLY | O_CLOEXEC | (fake ? O_CREAT | O_APPEND : 0), 0644);
        if (fd < 0)
                return ctx_fail(ctx, errno, "cgroup %s: %m", p);
        _cleanup_free_ char *line = fake ? strdup_printf("%s\n", value) : NULL;
        if (fake && line)
                value = line;
        ssize_t n = write(fd, value, strlen(value));
        int e = errno;
        close(fd);
        if (n < 0)
                return ctx_fail(ctx, e, "cgroup %s: cannot write \"%s\": %s", p, value, strerror(e));
        return 0;
}

int cg_read_u64(const char *dir, const char *file, uint64_t *ret)
{
        _cleanup_free_ char *p = strdup_printf("%s/%s", dir, file), *s = NULL;
        if (!p)
                return -ENOMEM;
        int r = read_line(p, &s);
        if (r < 0)
                return r;
        if (strcmp(s, "max") == 0) {
                *ret = UINT64_MAX;
                return 0;
        }
        return parse_u64(s, ret);
}

int cg_read_keyed(const char *dir, const char *file, const char *key, uint64_t *ret)
{
        _cleanup_free_ char *p = strdup_printf("%s/%s", dir, file), *s = NULL;
        if (!p)
                return -ENOMEM;
        int r = read_file(p, &s, NULL);
        if (r < 0)
                return r;
        size_t kl = strlen(key);
        for (char *save = NULL, *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                if (strncmp(l, key, kl) == 0 && l[kl] == ' ') {
                        *ret = strtoull(l + kl + 1, NULL, 10);
                        return 0;
                }
        return -ENOENT;
}

int cg_rmdir(const char *dir)
{
        if (path_exists(dir) && !cg_is_real(dir))
                return rm_rf(dir);
        /* the last tasks of a dead container take a moment to leave */
        for (int i = 0; i < 100; i++) {
                if (rmdir(dir) == 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY)
                        return -errno;
                nanosleep(&(struct timespec) { 0, 20 * 1000 * 1000 }, NULL);
        }
        return -EBUSY;
}

int cpulist_parse(const char *s, unsigned char mask[128])
{
        memset(mask, 0, 128);
        if (!s || !*s)
                return -EINVAL;
        const char *p = s;
        while (*p) {
                char *end;
                if (!isdigit((unsigned char) *p))
                        return -EINVAL;
                unsigned long a = strtoul(p, &end, 10), b = a;
                p = end;
                if (*p == '-') {
                        p++;
                        if (!isdigit((unsigned char) *p))
                                return -EINVAL;
                        b = strtoul(p, &end, 10);
                        p = end;
                }
                if (a > b || b >= 1024)
                        return -EINVAL;
                for (unsigned long i = a; i <= b; i++) {
                        /* "0,0,0" or "0-3,2": a typo, never what was meant */
                        if (mask[i / 8] & (1u << (i % 8)))
                                return -EINVAL;
                        mask[i / 8] |= (unsigned char) (1u << (i % 8));
                }
                if (*p == ',') {
                        p++;
                        if (!*p)
                                return -EINVAL;
                } else if (*p)
                        return -EINVAL;
        }
        return 0;
}

int cgroup_detect(bl_ctx *ctx, const char *fsroot, struct cg_host *ret)
{
        struct cg_host h = { .version = _CG_VERSION_INVALID };
        if (!fsroot)
                fsroot = test_knob("BALEINE_CGROUP_ROOT");
        if (!fsroot || !*fsroot)
                fsroot = "/sys/fs/cgroup";
        snprintf(h.fsroot, sizeof(h.fsroot), "%s", fsroot);
        _cleanup_free_ char *v2 = strdup_printf("%s/cgroup.controllers", fsroot);
        _cleanup_free_ char *mem = strdup_printf("%s/memory/memory.limit_in_bytes", fsroot);
        _cleanup_free_ char *uni = strdup_printf("%s/unified/cgroup.controllers", fsroot);
        if (!v2 || !mem || !uni)
                return -ENOMEM;
        if (path_exists(v2))
                h.version = CG_V2;
        else if (path_exists(mem)) {
                h.version = CG_V1;
                h.hybrid = path_exists(uni);
        } else
                return ctx_fail(ctx, ENOTSUP, "cgroups: no v2 hierarchy and no v1 memory controller under %s", fsroot);
        *ret = h;
        return 0;
}

static int nproc_host(const struct cg_host *h, unsigned char mask[128])
{
        _cleanup_free_ char *p = h->version == CG_V2 ? strdup_printf("%s/cpuset.cpus.effective", h->fsroot)
                                                     : strdup_printf("%s/cpuset/cpuset.effective_cpus", h->fsroot);
        _cleanup_free_ char *s = NULL;
        if (!p)
                return -ENOMEM;
        if (read_line(p, &s) < 0 && read_line("/sys/devices/system/cpu/online", &s) < 0)
                return -ENOENT;
        return cpulist_parse(s, mask);
}

int cgroup_validate(bl_ctx *ctx, const struct cg_host *h, const struct cg_limits *lim)
{
        if (lim->memory && lim->memory < (6u << 20))
                return ctx_fail(ctx, EINVAL, "memory limit %llu bytes: below the 6M a container needs", (unsigned long long) lim->memory);
        if (lim->cpu_quota < 0 || (lim->cpu_quota > 0 && lim->cpu_quota < 0.01))
                return ctx_fail(ctx, EINVAL, "cpu quota %g: must be at least 0.01 CPU", lim->cpu_quota);
        unsigned char online[128];
        if (lim->cpu_quota > 0 && nproc_host(h, online) == 0) {
                int n = 0;
                for (int i = 0; i < 1024; i++)
                        n += !!(online[i / 8] & (1u << (i % 8)));
                if (n > 0 && lim->cpu_quota > n)
                        return ctx_fail(ctx, EINVAL, "cpu quota %g: this host has %d CPU%s", lim->cpu_quota, n, n == 1 ? "" : "s");
        }
        if (lim->cpus) {
                unsigned char want[128], have[128];
                if (cpulist_parse(lim->cpus, want) < 0)
                        return ctx_fail(ctx, EINVAL, "cpus \"%s\": not a CPU list such as 0-1,3", lim->cpus);
                if (nproc_host(h, have) == 0)
                        for (int i = 0; i < 1024; i++)
                                if ((want[i / 8] & (1u << (i % 8))) && !(have[i / 8] & (1u << (i % 8))))
                                        return ctx_fail(ctx, EINVAL, "cpus \"%s\": CPU %d does not exist on this host", lim->cpus, i);
        }
        if (lim->pids == 1)
                return ctx_fail(ctx, EINVAL, "pids limit 1: the init and the program need at least 2");
        return 0;
}

int cgroup_create(bl_ctx *ctx, const struct cg_host *h, const char *name, const struct cg_limits *lim)
{
        int r = backend(h)->create(ctx, h, name);
        if (r < 0)
                return r;
        r = backend(h)->apply(ctx, h, name, lim);
        if (r < 0) {
                backend(h)->remove(ctx, h, name);
                return r;
        }
        return 0;
}

int cgroup_apply(bl_ctx *ctx, const struct cg_host *h, const char *name, const struct cg_limits *lim)
{
        return backend(h)->apply(ctx, h, name, lim);
}

int cgroup_procs_files(bl_ctx *ctx, const struct cg_host *h, const char *name, char ***ret)
{
        int r = backend(h)->procs_files(h, name, ret);
        return r < 0 ? ctx_fail(ctx, r, "cgroup baleine/%s: %s", name, strerror(-r)) : 0;
}

int cgroup_attach(bl_ctx *ctx, const struct cg_host *h, const char *name, pid_t pid)
{
        _cleanup_strv_ char **files = NULL;
        int r = cgroup_procs_files(ctx, h, name, &files);
        if (r < 0)
                return r;
        char s[32];
        snprintf(s, sizeof(s), "%d", (int) pid);
        for (char **f = files; *f; f++)
                if ((r = write_string(*f, s)) < 0)
                        return ctx_fail(ctx, r, "cgroup %s: cannot add process %d: %s", *f, (int) pid, strerror(-r));
        return 0;
}

int cgroup_remove(bl_ctx *ctx, const struct cg_host *h, const char *name)
{
        return backend(h)->remove(ctx, h, name);
}

bool cgroup_exists(const struct cg_host *h, const char *name)
{
        return backend(h)->exists(h, name);
}

bool cgroup_populated(const struct cg_host *h, const char *name)
{
        _cleanup_strv_ char **files = NULL;
        if (backend(h)->procs_files(h, name, &files) < 0)
                return false;
        for (char **f = files; *f; f++) {
                _cleanup_free_ char *s = NULL;
                if (read_file(*f, &s, NULL) == 0 && s[strspn(s, " \n")] != 0)
                        return true;
        }
        return false;
}

int cgroup_stats(bl_ctx *ctx, const struct cg_host *h, const char *name, struct cg_stats *ret)
{
        memset(ret, 0, sizeof(*ret));
        int r = backend(h)->stats(h, name, ret);
        return r < 0 ? ctx_fail(ctx, r, "cgroup baleine/%s: cannot read usage: %s", name, strerror(-r)) : 0;
}

int cgroup_oom_kills(const struct cg_host *h, const char *name, uint64_t *ret)
{
        return backend(h)->oom_kills(h, name, ret);
}
