/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The typed view of a container for programs: built here, once, from the
 * record bl_container_inspect returns (so the two can never disagree), and
 * read through getters so the struct can grow without breaking the ABI.
 */
#include <arpa/inet.h>
#include <math.h>

#include "container.h"

struct info_address {
        char *bridge;
        char address[INET_ADDRSTRLEN];
        int prefix;
};

struct bl_container_info {
        bl_record *rec;         /* owns the text the getters return */
        bl_container_state state;
        pid_t pid;
        int exit_code;
        bool oom_killed;
        int64_t created_at, started_at, finished_at;
        struct info_address addrs[MAX_NETS];
        size_t naddrs;
        uint64_t memory, pids;
        double cpu_quota;
};

static const char *const state_names[] = {
        [BL_CONTAINER_CREATED] = "created", [BL_CONTAINER_STARTING] = "starting", [BL_CONTAINER_RUNNING] = "running",
        [BL_CONTAINER_PAUSED] = "paused",   [BL_CONTAINER_EXITED] = "exited",     [BL_CONTAINER_UNKNOWN] = "unknown",
};

BL_EXPORT const char *bl_container_state_name(bl_container_state state)
{
        if ((unsigned) state >= ARRAY_SIZE(state_names))
                state = BL_CONTAINER_UNKNOWN;
        return state_names[state];
}

static bl_container_state state_from(const char *s)
{
        if (s && strcmp(s, "creating") == 0)
                return BL_CONTAINER_CREATED;
        for (size_t i = 0; s && i < ARRAY_SIZE(state_names); i++)
                if (strcmp(s, state_names[i]) == 0)
                        return (bl_container_state) i;
        return BL_CONTAINER_UNKNOWN;
}

/* An optional number: absent is 0; present and not a number is an error
 * naming the key. */
static int number(bl_ctx *ctx, const bl_record *rec, const char *key, uint64_t *ret)
{
        *ret = 0;
        if (!bl_record_get(rec, key))
                return 0;
        if (record_get_u64(rec, key, ret) < 0)
                return ctx_fail(ctx, EBADMSG, "container \"%s\": %s \"%s\" is not a number", bl_record_get(rec, "name"), key,
                                bl_record_get(rec, key));
        return 0;
}

static int fill(bl_ctx *ctx, bl_container_info *info)
{
        const bl_record *rec = info->rec;
        const char *name = bl_record_get(rec, "name");
        uint64_t v;
        int r;
        info->state = state_from(bl_record_get(rec, "state"));
        if ((r = number(ctx, rec, "pid", &v)) < 0)
                return r;
        info->pid = info->state == BL_CONTAINER_RUNNING || info->state == BL_CONTAINER_PAUSED || info->state == BL_CONTAINER_STARTING
                            ? (pid_t) v
                            : 0;
        info->exit_code = -1;
        if (info->state == BL_CONTAINER_EXITED && bl_record_get(rec, "exit_code")) {
                if ((r = number(ctx, rec, "exit_code", &v)) < 0)
                        return r;
                info->exit_code = (int) (v > 255 ? 255 : v);
        }
        const char *oom = bl_record_get(rec, "oom_killed");
        info->oom_killed = oom && strcmp(oom, "yes") == 0;
        if ((r = number(ctx, rec, "created", &v)) < 0)
                return r;
        info->created_at = (int64_t) v;
        if ((r = number(ctx, rec, "starting_time", &v)) < 0)
                return r;
        info->started_at = (int64_t) v;
        if ((r = number(ctx, rec, "finished_at", &v)) < 0)
                return r;
        info->finished_at = (int64_t) v;
        if ((r = number(ctx, rec, "memory", &info->memory)) < 0 || (r = number(ctx, rec, "pids_limit", &info->pids)) < 0)
                return r;
        const char *q = bl_record_get(rec, "cpu_quota");
        if (q) {
                char *end;
                info->cpu_quota = strtod(q, &end);
                if (*end || !isfinite(info->cpu_quota) || info->cpu_quota < 0)
                        return ctx_fail(ctx, EBADMSG, "container \"%s\": cpu_quota \"%s\" is not a number of CPUs", name, q);
        }
        size_t n = network_count(rec);
        for (size_t i = 0; i < n && i < MAX_NETS; i++) {
                struct info_address *a = &info->addrs[i];
                uint32_t addr;
                if (network_parse(rec, i, &a->bridge, &addr, &a->prefix, NULL) < 0)
                        return ctx_fail(ctx, EBADMSG, "container \"%s\": net%zu is not \"BRIDGE ADDRESS/PREFIX HOSTIF\"", name, i);
                struct in_addr in = { .s_addr = htonl(addr) };
                inet_ntop(AF_INET, &in, a->address, sizeof(a->address));
                info->naddrs++;
        }
        return 0;
}

BL_EXPORT void bl_container_info_free(bl_container_info *info)
{
        if (!info)
                return;
        for (size_t i = 0; i < info->naddrs; i++)
                free(info->addrs[i].bridge);
        bl_record_free(info->rec);
        free(info);
}

BL_EXPORT int bl_container_info_get(bl_ctx *ctx, const char *name, bl_container_info **ret)
{
        ctx_begin_call(ctx);
        bl_container_info *info = calloc(1, sizeof(*info));
        if (!info)
                return ctx_fail(ctx, ENOMEM, "container \"%s\": out of memory", name);
        /* inspect marks a dead run exited first */
        int r = bl_container_inspect(ctx, name, &info->rec);
        if (r < 0 || (r = fill(ctx, info)) < 0) {
                bl_container_info_free(info);
                return r;
        }
        *ret = info;
        return 0;
}

BL_EXPORT const char *bl_container_info_get_name(const bl_container_info *info) { return bl_record_get(info->rec, "name"); }
BL_EXPORT const char *bl_container_info_get_image(const bl_container_info *info) { return bl_record_get(info->rec, "image"); }
BL_EXPORT bl_container_state bl_container_info_get_state(const bl_container_info *info) { return info->state; }
BL_EXPORT pid_t bl_container_info_get_pid(const bl_container_info *info) { return info->pid; }
BL_EXPORT int bl_container_info_get_exit_code(const bl_container_info *info) { return info->exit_code; }
BL_EXPORT int bl_container_info_get_oom_killed(const bl_container_info *info) { return info->oom_killed; }
BL_EXPORT int64_t bl_container_info_get_created_at(const bl_container_info *info) { return info->created_at; }
BL_EXPORT int64_t bl_container_info_get_started_at(const bl_container_info *info) { return info->started_at; }
BL_EXPORT int64_t bl_container_info_get_finished_at(const bl_container_info *info) { return info->finished_at; }
BL_EXPORT uint64_t bl_container_info_get_memory_limit(const bl_container_info *info) { return info->memory; }
BL_EXPORT double bl_container_info_get_cpu_quota(const bl_container_info *info) { return info->cpu_quota; }
BL_EXPORT uint64_t bl_container_info_get_pids_limit(const bl_container_info *info) { return info->pids; }
BL_EXPORT const char *bl_container_info_get_cpuset(const bl_container_info *info) { return bl_record_get(info->rec, "cpus"); }

BL_EXPORT const char *bl_container_info_get_restart(const bl_container_info *info)
{
        const char *r = bl_record_get(info->rec, "restart");
        return r ? r : "no";
}

BL_EXPORT size_t bl_container_info_get_address_count(const bl_container_info *info) { return info->naddrs; }

BL_EXPORT int bl_container_info_get_address(const bl_container_info *info, size_t i, const char **ret_bridge, const char **ret_address,
                                            int *ret_prefix)
{
        if (i >= info->naddrs)
                return -ERANGE;
        if (ret_bridge)
                *ret_bridge = info->addrs[i].bridge;
        if (ret_address)
                *ret_address = info->addrs[i].address;
        if (ret_prefix)
                *ret_prefix = info->addrs[i].prefix;
        return 0;
}
