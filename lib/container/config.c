/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>

#include "cgroup/devices_bpf.h"
#include "container.h"
#include "runtime/runtime.h"

/* Every setter is a public call: it clears the context's last error and
 * reports its own failure there (a config made without a context reports
 * only the errno). */
static void begin(bl_ctx *ctx)
{
        if (ctx)
                ctx_begin_call(ctx);
}

BL_EXPORT int bl_container_config_new(bl_ctx *ctx, bl_container_config **ret)
{
        begin(ctx);
        bl_container_config *c = calloc(1, sizeof(*c));
        if (!c)
                return ctx_fail(ctx, ENOMEM, "container config: out of memory");
        c->ctx = ctx;
        c->privileged = -1;
        c->seccomp = -1;
        *ret = c;
        return 0;
}

BL_EXPORT void bl_container_config_free(bl_container_config *c)
{
        if (!c)
                return;
        free(c->image);
        strv_freep(&c->argv);
        strv_freep(&c->entrypoint);
        strv_freep(&c->env);
        free(c->workdir);
        free(c->hostname);
        free(c->user);
        free(c->cpus);
        for (size_t i = 0; i < c->ndisk; i++)
                free(c->disk[i].device);
        strv_freep(&c->device_rules);
        for (size_t i = 0; i < c->nnets; i++) {
                free(c->nets[i].bridge);
                free(c->nets[i].address);
        }
        free(c->restart);
        strv_freep(&c->cap_add);
        strv_freep(&c->cap_drop);
        free(c);
}

static int set_str(char **dst, const char *v)
{
        char *s = NULL;
        if (v && !(s = strdup(v)))
                return -ENOMEM;
        free(*dst);
        *dst = s;
        return 0;
}

BL_EXPORT int bl_container_config_set_image(bl_container_config *c, const char *image)
{
        begin(c->ctx);
        if (image && bl_name_check(c->ctx, "image", image) < 0)
                return -EINVAL;
        return set_str(&c->image, image);
}

static int check_workdir(bl_ctx *ctx, const char *d)
{
        if (d && (d[0] != '/' || strchr(d, '\n')))
                return ctx_fail(ctx, EINVAL, "workdir \"%s\": must be an absolute path", d);
        return 0;
}

BL_EXPORT int bl_container_config_set_workdir(bl_container_config *c, const char *d)
{
        begin(c->ctx);
        int r = check_workdir(c->ctx, d);
        return r < 0 ? r : set_str(&c->workdir, d);
}
/* RFC 1123: dot-separated labels of letters, digits and inner hyphens. */
static bool hostname_valid(const char *h)
{
        size_t n = strlen(h), label = 0;
        if (n == 0 || n > 64)
                return false;
        for (size_t i = 0; i <= n; i++) {
                char ch = h[i];
                if (ch == '.' || ch == 0) {
                        if (label == 0 || label > 63 || h[i - 1] == '-')
                                return false;
                        label = 0;
                } else if (isalnum((unsigned char) ch) || (ch == '-' && label > 0))
                        label++;
                else
                        return false;
        }
        return true;
}

/* USER or USER:GROUP, each a number or a name of the image's passwd and
 * group files (letters, digits, _ . -). */
static bool user_valid(const char *u)
{
        const char *colon = strchr(u, ':');
        if (!*u || strlen(u) > 64 || (colon && (colon == u || !colon[1] || strchr(colon + 1, ':'))))
                return false;
        for (const char *p = u; *p; p++)
                if (!(isalnum((unsigned char) *p) || *p == '_' || *p == '.' || *p == '-' || *p == ':'))
                        return false;
        return u[0] != '-';
}

BL_EXPORT int bl_container_config_set_hostname(bl_container_config *c, const char *h)
{
        begin(c->ctx);
        if (h && !hostname_valid(h))
                return ctx_fail(c->ctx, EINVAL,
                                "hostname \"%s\": not a host name (labels of letters, digits and inner hyphens, joined by dots; at most 64 characters)", h);
        return set_str(&c->hostname, h);
}

static int check_user(bl_ctx *ctx, const char *u)
{
        /* numeric, or names resolved in the image's /etc/passwd at start */
        if (u && !user_valid(u))
                return ctx_fail(ctx, EINVAL, "user \"%s\": expected USER[:GROUP], names or numbers", u);
        return 0;
}

BL_EXPORT int bl_container_config_set_user(bl_container_config *c, const char *u)
{
        begin(c->ctx);
        int r = check_user(c->ctx, u);
        return r < 0 ? r : set_str(&c->user, u);
}

/* A limit the host cannot give (a CPU it lacks, more CPUs than it has) is
 * refused at the setter too, by the check a start makes: -ERANGE, where
 * bad text is -EINVAL.  A host whose cgroups cannot be read is judged from
 * /sys/devices/system/cpu/online alone. */
static int check_on_host(bl_ctx *ctx, const struct cg_limits *lim)
{
        struct cg_host h;
        if (cgroup_host(ctx, &h) < 0) {
                ctx_error_take(ctx, NULL);
                h = (struct cg_host) { .version = CG_V2 };
                snprintf(h.fsroot, sizeof(h.fsroot), "/nonexistent");
        }
        int r = cgroup_validate(ctx, &h, lim);
        return r < 0 ? -ERANGE : 0;
}

BL_EXPORT int bl_container_config_set_cpus(bl_container_config *c, const char *cpus)
{
        begin(c->ctx);
        unsigned char mask[128];
        if (cpus && cpulist_parse(cpus, mask) < 0)
                return ctx_fail(c->ctx, EINVAL, "cpus \"%s\": expected a CPU list such as 0-1,3", cpus);
        int r;
        if (cpus && (r = check_on_host(c->ctx, &(struct cg_limits) { .cpus = cpus })) < 0)
                return r;
        return set_str(&c->cpus, cpus);
}

BL_EXPORT int bl_container_config_set_restart(bl_container_config *c, const char *policy)
{
        begin(c->ctx);
        if (policy) {
                uint64_t n;
                if (strcmp(policy, "no") != 0 && strcmp(policy, "always") != 0 && strcmp(policy, "on-failure") != 0 &&
                    !(startswith(policy, "on-failure:") && parse_u64(policy + 11, &n) == 0 && n > 0 && n < 1000000))
                        return ctx_fail(c->ctx, EINVAL, "restart policy \"%s\": expected no, on-failure[:N] or always", policy);
        }
        return set_str(&c->restart, policy);
}

/* A program and its arguments: a non-empty first word. */
static int set_program(bl_ctx *ctx, char ***dst, char *const argv[])
{
        begin(ctx);
        if (!argv || !argv[0] || !*argv[0])
                return ctx_fail(ctx, EINVAL, "program: an empty command");
        char **v = strv_copy(argv);
        if (!v)
                return ctx_fail(ctx, ENOMEM, "program: out of memory");
        strv_freep(dst);
        *dst = v;
        return 0;
}

BL_EXPORT int bl_container_config_set_argv(bl_container_config *c, char *const argv[]) { return set_program(c->ctx, &c->argv, argv); }
BL_EXPORT int bl_container_config_set_entrypoint(bl_container_config *c, char *const argv[]) { return set_program(c->ctx, &c->entrypoint, argv); }

/* KEY=VALUE, KEY not empty, one line. */
static int add_env(bl_ctx *ctx, char ***env, const char *kv)
{
        begin(ctx);
        if (!kv || !strchr(kv, '=') || kv[0] == '=' || strchr(kv, '\n'))
                return ctx_fail(ctx, EINVAL, "environment \"%s\": expected KEY=VALUE on one line", kv ? kv : "(null)");
        int r = env_set(env, kv);
        return r < 0 ? ctx_fail(ctx, r, "environment: out of memory") : 0;
}

BL_EXPORT int bl_container_config_add_env(bl_container_config *c, const char *kv) { return add_env(c->ctx, &c->env, kv); }

/* The floor of a memory limit: what the init, the program's start and the
 * kernel's own charges need (Docker's minimum too). */
#define MEMORY_MIN (6u << 20)

BL_EXPORT int bl_container_config_set_memory(bl_container_config *c, uint64_t bytes)
{
        begin(c->ctx);
        if (bytes && bytes < MEMORY_MIN)
                return ctx_fail(c->ctx, EINVAL, "memory limit %llu bytes: below the 6M a container needs", (unsigned long long) bytes);
        c->memory = bytes;
        return 0;
}

BL_EXPORT int bl_container_config_set_pids(bl_container_config *c, uint64_t max)
{
        begin(c->ctx);
        if (max == 1)
                return ctx_fail(c->ctx, EINVAL, "pids limit 1: the init and the program need at least 2");
        c->pids = max;
        return 0;
}

BL_EXPORT int bl_container_config_set_cpu_quota(bl_container_config *c, double cpus)
{
        begin(c->ctx);
        /* !(cpus > 0) also catches NaN */
        if (!(cpus > 0) || cpus < 0.01)
                return ctx_fail(c->ctx, EINVAL, "cpu quota %g: must be a number of CPUs of at least 0.01", cpus);
        int r = check_on_host(c->ctx, &(struct cg_limits) { .cpu_quota = cpus });
        if (r < 0)
                return r;
        c->cpu_quota = cpus;
        return 0;
}

static int set_disk(bl_container_config *c, const char *device, uint64_t bps, bool write)
{
        begin(c->ctx);
        size_t i;
        for (i = 0; i < c->ndisk; i++)
                if ((!device && !c->disk[i].device) || (device && c->disk[i].device && strcmp(device, c->disk[i].device) == 0))
                        break;
        if (i == c->ndisk) {
                if (c->ndisk == ARRAY_SIZE(c->disk))
                        return ctx_fail(c->ctx, E2BIG, "disk bandwidth: at most %zu devices", ARRAY_SIZE(c->disk));
                if (device && device[0] != '/')
                        return ctx_fail(c->ctx, EINVAL, "disk bandwidth: \"%s\" is not a device path", device);
                c->disk[i].device = strdup_or_null(device);
                c->ndisk++;
        }
        if (write)
                c->disk[i].write_bps = bps;
        else
                c->disk[i].read_bps = bps;
        return 0;
}

BL_EXPORT int bl_container_config_set_disk_read_bps(bl_container_config *c, const char *device, uint64_t bps)
{
        return set_disk(c, device, bps, false);
}
BL_EXPORT int bl_container_config_set_disk_write_bps(bl_container_config *c, const char *device, uint64_t bps)
{
        return set_disk(c, device, bps, true);
}

BL_EXPORT int bl_container_config_add_device_rule(bl_container_config *c, int allow, const char *rule)
{
        begin(c->ctx);
        /* validated by the same parser the v2 program uses */
        struct dev_rule parsed;
        if (!rule || strchr(rule, '\n') || dev_rule_parse(rule, true, &parsed) < 0)
                return ctx_fail(c->ctx, EINVAL, "device rule \"%s\": expected TYPE MAJOR:MINOR ACCESS such as \"c 1:3 rwm\"",
                                rule ? rule : "(null)");
        _cleanup_free_ char *r = strdup_printf("%c %s", allow ? 'a' : 'd', rule);
        return r ? strv_push(&c->device_rules, r) : -ENOMEM;
}

BL_EXPORT int bl_container_config_add_network(bl_container_config *c, const char *bridge, const char *address)
{
        begin(c->ctx);
        uint32_t a;
        int prefix;
        if (!bridge || bl_name_check(c->ctx, "bridge", bridge) < 0)
                return -EINVAL;
        if (c->nnets == MAX_NETS)
                return ctx_fail(c->ctx, E2BIG, "bridge \"%s\": at most %d interfaces", bridge, MAX_NETS);
        if (address && parse_ipv4(address, &a) < 0 && parse_ipv4_cidr(address, &a, &prefix) < 0)
                return ctx_fail(c->ctx, EINVAL, "address \"%s\": is not an IPv4 address (such as 10.88.0.5 or 10.88.0.5/16)", address);
        char *b = strdup(bridge), *ad = strdup_or_null(address);
        if (!b || (address && !ad)) {
                free(b);
                free(ad);
                return ctx_fail(c->ctx, ENOMEM, "bridge \"%s\": out of memory", bridge);
        }
        c->nets[c->nnets].bridge = b;
        c->nets[c->nnets].address = ad;
        c->nnets++;
        return 0;
}

static int add_cap(bl_ctx *ctx, char ***v, const char *cap)
{
        begin(ctx);
        uint64_t m;
        if (!cap || cap_from_name(cap, &m) < 0)
                return ctx_fail(ctx, EINVAL, "capability \"%s\": not a capability name such as NET_ADMIN (or ALL)", cap ? cap : "(null)");
        return strv_push(v, cap);
}

BL_EXPORT int bl_container_config_add_cap(bl_container_config *c, const char *cap) { return add_cap(c->ctx, &c->cap_add, cap); }
BL_EXPORT int bl_container_config_drop_cap(bl_container_config *c, const char *cap) { return add_cap(c->ctx, &c->cap_drop, cap); }
BL_EXPORT int bl_container_config_set_privileged(bl_container_config *c, int p) { begin(c->ctx); c->privileged = !!p; return 0; }
BL_EXPORT int bl_container_config_set_seccomp(bl_container_config *c, int on) { begin(c->ctx); c->seccomp = !!on; return 0; }
BL_EXPORT int bl_container_config_set_tty(bl_container_config *c, int tty) { begin(c->ctx); c->tty = !!tty; return 0; }
BL_EXPORT int bl_container_config_set_auto_remove(bl_container_config *c, int on) { begin(c->ctx); c->auto_remove = !!on; return 0; }

BL_EXPORT int bl_container_config_set_userns(bl_container_config *c, int enabled, uint32_t start, uint32_t count)
{
        begin(c->ctx);
        if (enabled && count && (start == 0 || (uint64_t) start + count > UINT32_MAX))
                return ctx_fail(c->ctx, EINVAL, "user namespace range %u:%u: must start above 0 and end below 2^32", (unsigned) start,
                                (unsigned) count);
        c->userns = !!enabled;
        c->userns_start = start;
        c->userns_count = count;
        return 0;
}

BL_EXPORT int bl_exec_config_new(bl_ctx *ctx, bl_exec_config **ret)
{
        begin(ctx);
        bl_exec_config *c = calloc(1, sizeof(*c));
        if (!c)
                return ctx_fail(ctx, ENOMEM, "exec config: out of memory");
        c->ctx = ctx;
        *ret = c;
        return 0;
}

BL_EXPORT void bl_exec_config_free(bl_exec_config *c)
{
        if (!c)
                return;
        strv_freep(&c->argv);
        strv_freep(&c->env);
        free(c->workdir);
        free(c->user);
        free(c);
}

BL_EXPORT int bl_exec_config_set_argv(bl_exec_config *c, char *const argv[]) { return set_program(c->ctx, &c->argv, argv); }
BL_EXPORT int bl_exec_config_add_env(bl_exec_config *c, const char *kv) { return add_env(c->ctx, &c->env, kv); }
BL_EXPORT int bl_exec_config_set_workdir(bl_exec_config *c, const char *d)
{
        begin(c->ctx);
        int r = check_workdir(c->ctx, d);
        return r < 0 ? r : set_str(&c->workdir, d);
}
BL_EXPORT int bl_exec_config_set_user(bl_exec_config *c, const char *u)
{
        begin(c->ctx);
        int r = check_user(c->ctx, u);
        return r < 0 ? r : set_str(&c->user, u);
}
BL_EXPORT int bl_exec_config_set_tty(bl_exec_config *c, int tty) { begin(c->ctx); c->tty = !!tty; return 0; }
