/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>

#include "cgroup/devices_bpf.h"
#include "container.h"
#include "runtime/runtime.h"

BL_EXPORT int bl_container_config_new(bl_container_config **ret)
{
        bl_container_config *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
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

BL_EXPORT int bl_container_config_set_image(bl_container_config *c, const char *image) { return set_str(&c->image, image); }
BL_EXPORT int bl_container_config_set_workdir(bl_container_config *c, const char *d)
{
        if (d && d[0] != '/')
                return -EINVAL;
        return set_str(&c->workdir, d);
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
        if (h && !hostname_valid(h))
                return -EINVAL;
        return set_str(&c->hostname, h);
}
BL_EXPORT int bl_container_config_set_user(bl_container_config *c, const char *u)
{
        /* numeric, or names resolved in the image's /etc/passwd at start */
        if (u && !user_valid(u))
                return -EINVAL;
        return set_str(&c->user, u);
}
BL_EXPORT int bl_container_config_set_cpus(bl_container_config *c, const char *cpus)
{
        unsigned char mask[128];
        if (cpus && cpulist_parse(cpus, mask) < 0)
                return -EINVAL;
        return set_str(&c->cpus, cpus);
}
BL_EXPORT int bl_container_config_set_restart(bl_container_config *c, const char *policy)
{
        if (policy) {
                uint64_t n;
                if (strcmp(policy, "no") != 0 && strcmp(policy, "always") != 0 && strcmp(policy, "on-failure") != 0 &&
                    !(startswith(policy, "on-failure:") && parse_u64(policy + 11, &n) == 0 && n > 0 && n < 1000000))
                        return -EINVAL;
        }
        return set_str(&c->restart, policy);
}

/* A program and its arguments: a non-empty first word. */
static int set_program(char ***dst, char *const argv[])
{
        if (!argv || !argv[0] || !*argv[0])
                return -EINVAL;
        char **v = strv_copy(argv);
        if (!v)
                return -ENOMEM;
        strv_freep(dst);
        *dst = v;
        return 0;
}

BL_EXPORT int bl_container_config_set_argv(bl_container_config *c, char *const argv[]) { return set_program(&c->argv, argv); }
BL_EXPORT int bl_container_config_set_entrypoint(bl_container_config *c, char *const argv[]) { return set_program(&c->entrypoint, argv); }

BL_EXPORT int bl_container_config_add_env(bl_container_config *c, const char *kv)
{
        if (!kv || strchr(kv, '\n'))
                return -EINVAL;
        return env_set(&c->env, kv);
}

BL_EXPORT int bl_container_config_set_memory(bl_container_config *c, uint64_t bytes) { c->memory = bytes; return 0; }
BL_EXPORT int bl_container_config_set_pids(bl_container_config *c, uint64_t max) { c->pids = max; return 0; }
BL_EXPORT int bl_container_config_set_cpu_quota(bl_container_config *c, double cpus)
{
        if (cpus < 0 || cpus > 4096)
                return -EINVAL;
        c->cpu_quota = cpus;
        return 0;
}

static int set_disk(bl_container_config *c, const char *device, uint64_t bps, bool write)
{
        size_t i;
        for (i = 0; i < c->ndisk; i++)
                if ((!device && !c->disk[i].device) || (device && c->disk[i].device && strcmp(device, c->disk[i].device) == 0))
                        break;
        if (i == c->ndisk) {
                if (c->ndisk == ARRAY_SIZE(c->disk))
                        return -E2BIG;
                if (device && device[0] != '/')
                        return -EINVAL;
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
        if (!rule || strchr(rule, '\n'))
                return -EINVAL;
        /* validated by the same parser the v2 program uses */
        struct dev_rule parsed;
        if (dev_rule_parse(rule, true, &parsed) < 0)
                return -EINVAL;
        _cleanup_free_ char *r = strdup_printf("%c %s", allow ? 'a' : 'd', rule);
        return r ? strv_push(&c->device_rules, r) : -ENOMEM;
}

BL_EXPORT int bl_container_config_add_network(bl_container_config *c, const char *bridge, const char *address)
{
        if (!bridge || c->nnets == MAX_NETS)
                return -EINVAL;
        c->nets[c->nnets].bridge = strdup(bridge);
        c->nets[c->nnets].address = strdup_or_null(address);
        c->nnets++;
        return 0;
}

static int add_cap(char ***v, const char *cap)
{
        uint64_t m;
        if (!cap || cap_from_name(cap, &m) < 0)
                return -EINVAL;
        return strv_push(v, cap);
}

BL_EXPORT int bl_container_config_add_cap(bl_container_config *c, const char *cap) { return add_cap(&c->cap_add, cap); }
BL_EXPORT int bl_container_config_drop_cap(bl_container_config *c, const char *cap) { return add_cap(&c->cap_drop, cap); }
BL_EXPORT int bl_container_config_set_privileged(bl_container_config *c, int p) { c->privileged = !!p; return 0; }
BL_EXPORT int bl_container_config_set_seccomp(bl_container_config *c, int on) { c->seccomp = !!on; return 0; }
BL_EXPORT int bl_container_config_set_tty(bl_container_config *c, int tty) { c->tty = !!tty; return 0; }
BL_EXPORT int bl_container_config_set_auto_remove(bl_container_config *c, int on) { c->auto_remove = !!on; return 0; }

BL_EXPORT int bl_container_config_set_userns(bl_container_config *c, int enabled, uint32_t start, uint32_t count)
{
        if (enabled && count && (start == 0 || count < 1 || (uint64_t) start + count > UINT32_MAX))
                return -EINVAL;
        c->userns = !!enabled;
        c->userns_start = start;
        c->userns_count = count;
        return 0;
}

BL_EXPORT int bl_exec_config_new(bl_exec_config **ret)
{
        bl_exec_config *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
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

BL_EXPORT int bl_exec_config_set_argv(bl_exec_config *c, char *const argv[]) { return set_program(&c->argv, argv); }
BL_EXPORT int bl_exec_config_add_env(bl_exec_config *c, const char *kv) { return kv ? env_set(&c->env, kv) : -EINVAL; }
BL_EXPORT int bl_exec_config_set_workdir(bl_exec_config *c, const char *d)
{
        if (d && d[0] != '/')
                return -EINVAL;
        return set_str(&c->workdir, d);
}
BL_EXPORT int bl_exec_config_set_user(bl_exec_config *c, const char *u)
{
        if (u && (!*u || strchr(u, '\n') || strlen(u) > 64))
                return -EINVAL;
        return set_str(&c->user, u);
}
BL_EXPORT int bl_exec_config_set_tty(bl_exec_config *c, int tty) { c->tty = !!tty; return 0; }
