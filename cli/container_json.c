/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A container as typed JSON, from the library's typed info. */
#include <errno.h>
#include <json-c/json.h>

#include "cli.h"

static json_object *time_or_null(int64_t t)
{
        return t > 0 ? json_object_new_int64(t) : NULL;
}

json_object *container_json(struct cli *cli, const bl_record *rec)
{
        bl_container_info *info;
        if (bl_container_info_get(cli->ctx, bl_record_get(rec, "name"), &info) < 0)
                return NULL;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(bl_container_info_get_name(info)));
        const char *image = bl_container_info_get_image(info);
        json_object_object_add(o, "image", image ? json_object_new_string(image) : NULL);
        json_object_object_add(o, "state", json_object_new_string(bl_container_state_name(bl_container_info_get_state(info))));
        pid_t pid = bl_container_info_get_pid(info);
        json_object_object_add(o, "pid", pid > 0 ? json_object_new_int(pid) : NULL);
        int code = bl_container_info_get_exit_code(info);
        json_object_object_add(o, "exit_code", code >= 0 ? json_object_new_int(code) : NULL);
        json_object_object_add(o, "oom_killed", json_object_new_boolean(bl_container_info_get_oom_killed(info)));
        json_object_object_add(o, "created", time_or_null(bl_container_info_get_created_at(info)));
        json_object_object_add(o, "started_at", time_or_null(bl_container_info_get_started_at(info)));
        json_object_object_add(o, "finished_at", time_or_null(bl_container_info_get_finished_at(info)));
        json_object_object_add(o, "restart", json_object_new_string(bl_container_info_get_restart(info)));

        json_object *nets = json_object_new_array();
        for (size_t i = 0; i < bl_container_info_get_address_count(info); i++) {
                const char *bridge, *address;
                int prefix;
                if (bl_container_info_get_address(info, i, &bridge, &address, &prefix) < 0)
                        continue;
                json_object *n = json_object_new_object();
                json_object_object_add(n, "bridge", json_object_new_string(bridge));
                json_object_object_add(n, "address", json_object_new_string(address));
                json_object_object_add(n, "prefix", json_object_new_int(prefix));
                json_object_array_add(nets, n);
        }
        json_object_object_add(o, "networks", nets);

        json_object *lim = json_object_new_object();
        uint64_t mem = bl_container_info_get_memory_limit(info), pids = bl_container_info_get_pids_limit(info);
        double quota = bl_container_info_get_cpu_quota(info);
        const char *cpuset = bl_container_info_get_cpuset(info);
        json_object_object_add(lim, "memory", mem ? json_object_new_int64((int64_t) mem) : NULL);
        json_object_object_add(lim, "cpu_quota", quota > 0 ? json_object_new_double(quota) : NULL);
        json_object_object_add(lim, "pids", pids ? json_object_new_int64((int64_t) pids) : NULL);
        json_object_object_add(lim, "cpuset", cpuset ? json_object_new_string(cpuset) : NULL);
        json_object_object_add(o, "limits", lim);
        bl_container_info_free(info);

        /* the rest of the record, typed; what the info gave is not repeated */
        static const char *const covered[] = {
                "name", "image", "state", "pid", "exit_code", "oom_killed", "created", "starting_time", "finished_at", "restart",
                "net*", "addresses", "limits", "memory", "cpu_quota", "pids_limit", "cpus", NULL,
        };
        json_object *rest = record_json_typed(rec, covered);
        json_object_object_foreach(rest, k, v)
                json_object_object_add(o, k, json_object_get(v));
        json_object_put(rest);
        return o;
}
