/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The typed view of a container for programs: built from the model
 * bl_container_inspect shows (the same load, the same correction of a dead
 * run, the same freezer look), and read through getters so the struct can
 * grow without breaking the ABI.
 */
#include <arpa/inet.h>

#include "container.h"

struct info_address {
        char address[INET_ADDRSTRLEN];
};

struct bl_container_info {
        struct container_model m;       /* owns the text the getters return */
        bl_container_state state;
        char restart[32];
        struct info_address addrs[MODEL_MAX_NETS];
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

static bl_container_state state_of(bl_ctx *ctx, const struct container_model *m)
{
        switch (m->state) {
        case CSTATE_CREATING:
        case CSTATE_CREATED:
                return BL_CONTAINER_CREATED;
        case CSTATE_STARTING:
                return BL_CONTAINER_STARTING;
        case CSTATE_RUNNING:
                return container_paused(ctx, m) ? BL_CONTAINER_PAUSED : BL_CONTAINER_RUNNING;
        case CSTATE_EXITED:
                return BL_CONTAINER_EXITED;
        case CSTATE_NONE:
                break;
        }
        return BL_CONTAINER_UNKNOWN;
}

BL_EXPORT void bl_container_info_free(bl_container_info *info)
{
        if (!info)
                return;
        container_model_done(&info->m);
        free(info);
}

static int container_info_get_call(bl_ctx *ctx, const char *name, bl_container_info **ret)
{
        bl_container_info *info = calloc(1, sizeof(*info));
        if (!info)
                return -ENOMEM;
        int r = container_load_truth(ctx, name, &info->m);
        if (r < 0) {
                bl_container_info_free(info);
                return r;
        }
        info->state = state_of(ctx, &info->m);
        restart_format(info->m.restart == RESTART_UNSET ? RESTART_NO : info->m.restart, info->m.restart_max, info->restart);
        for (size_t i = 0; i < info->m.nnets; i++) {
                struct in_addr in = { .s_addr = htonl(info->m.nets[i].addr) };
                inet_ntop(AF_INET, &in, info->addrs[i].address, sizeof(info->addrs[i].address));
        }
        *ret = info;
        return 0;
}

BL_EXPORT int bl_container_info_get(bl_ctx *ctx, const char *name, bl_container_info **ret)
{
        ctx_begin_call(ctx);
        return ctx_end_call(ctx, container_info_get_call(ctx, name, ret), "container \"%s\"", name ? name : "");
}

static bool has_run(const bl_container_info *info)
{
        return info->state == BL_CONTAINER_RUNNING || info->state == BL_CONTAINER_PAUSED || info->state == BL_CONTAINER_STARTING;
}

BL_EXPORT const char *bl_container_info_get_name(const bl_container_info *info) { return info->m.name; }
BL_EXPORT const char *bl_container_info_get_image(const bl_container_info *info) { return info->m.image; }
BL_EXPORT bl_container_state bl_container_info_get_state(const bl_container_info *info) { return info->state; }
BL_EXPORT pid_t bl_container_info_get_pid(const bl_container_info *info) { return has_run(info) ? (pid_t) info->m.run.pid : 0; }

BL_EXPORT int bl_container_info_get_exit_code(const bl_container_info *info)
{
        if (info->state != BL_CONTAINER_EXITED || !info->m.has_exit)
                return -1;
        return info->m.exit_code < 0 ? -1 : info->m.exit_code > 255 ? 255 : info->m.exit_code;
}

BL_EXPORT int bl_container_info_get_oom_killed(const bl_container_info *info) { return info->m.oom_killed; }
BL_EXPORT int64_t bl_container_info_get_created_at(const bl_container_info *info) { return (int64_t) info->m.created; }
BL_EXPORT int64_t bl_container_info_get_started_at(const bl_container_info *info) { return (int64_t) info->m.starting_time; }
BL_EXPORT int64_t bl_container_info_get_finished_at(const bl_container_info *info) { return (int64_t) info->m.finished_at; }
BL_EXPORT uint64_t bl_container_info_get_memory_limit(const bl_container_info *info) { return info->m.limits.memory; }
BL_EXPORT double bl_container_info_get_cpu_quota(const bl_container_info *info) { return info->m.limits.cpu_quota; }
BL_EXPORT uint64_t bl_container_info_get_pids_limit(const bl_container_info *info) { return info->m.limits.pids; }
BL_EXPORT const char *bl_container_info_get_cpuset(const bl_container_info *info) { return info->m.limits.cpus; }
BL_EXPORT const char *bl_container_info_get_restart(const bl_container_info *info) { return info->restart; }
BL_EXPORT size_t bl_container_info_get_address_count(const bl_container_info *info) { return info->m.nnets; }

BL_EXPORT int bl_container_info_get_address(const bl_container_info *info, size_t i, const char **ret_bridge, const char **ret_address,
                                            int *ret_prefix)
{
        if (i >= info->m.nnets)
                return -ERANGE;
        if (ret_bridge)
                *ret_bridge = info->m.nets[i].bridge;
        if (ret_address)
                *ret_address = info->addrs[i].address;
        if (ret_prefix)
                *ret_prefix = info->m.nets[i].prefix;
        return 0;
}
