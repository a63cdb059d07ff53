/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/stat.h>
#include <time.h>

#include "container.h"
#include "disk/disk.h"
#include "image/image.h"
#include "runtime/runtime.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int validate(bl_ctx *ctx, const char *name, const bl_container_config *cfg, bl_record **ret_image)
{
        int r = bl_name_check(ctx, "container", name);
        if (r < 0)
                return r;
        if (!cfg || !cfg->image)
                return ctx_fail(ctx, EINVAL, "container \"%s\": no image given", name);
        bl_record *img;
        if ((r = image_load(ctx, cfg->image, &img)) < 0)
                return r;
        struct cg_host h;
        struct cg_limits lim = {
                .memory = cfg->memory, .cpus = cfg->cpus, .cpu_quota = cfg->cpu_quota, .pids = cfg->pids,
        };
        if ((r = cgroup_host(ctx, &h)) < 0 || (r = cgroup_validate(ctx, &h, &lim)) < 0) {
                bl_record_free(img);
                return ctx_fail_wrap(ctx, r, "container \"%s\"", name);
        }
        for (size_t i = 0; i < cfg->nnets; i++) {
                if (!manifest_exists(ctx, KIND_BRIDGES, cfg->nets[i].bridge)) {
                        bl_record_free(img);
                        return ctx_fail(ctx, ENOENT, "container \"%s\": no such bridge \"%s\"", name, cfg->nets[i].bridge);
                }
        }
        *ret_image = img;
        return 0;
}

static int fill_record(bl_ctx *ctx, const char *name, const bl_container_config *cfg, const bl_record *img, bl_record *rec)
{
        record_set(rec, "name", name);
        record_set(rec, "image", cfg->image);
        record_set(rec, "pid", "0");
        record_set(rec, "starting_time", "0");
        record_set(rec, "state", "creating");
        record_setf(rec, "creator_pid", "%d", (int) getpid());
        record_setf(rec, "created", "%lld", (long long) time(NULL));

        /* as Docker: entrypoint + command; -p replaces the image's command,
         * --entrypoint its entrypoint (and drops its command) */
        _cleanup_strv_ char **entry = NULL, **cmdv = NULL, **full = NULL;
        if (cfg->entrypoint)
                entry = strv_copy(cfg->entrypoint);
        else if (bl_record_get(img, "entrypoint"))
                argv_from_json(bl_record_get(img, "entrypoint"), &entry);
        if (cfg->argv)
                cmdv = strv_copy(cfg->argv);
        else if (!cfg->entrypoint && bl_record_get(img, "cmd"))
                argv_from_json(bl_record_get(img, "cmd"), &cmdv);
        for (char **p = entry; p && *p; p++)
                strv_push(&full, *p);
        for (char **p = cmdv; p && *p; p++)
                strv_push(&full, *p);
        if (!full)
                strv_push(&full, "/bin/sh");
        _cleanup_free_ char *cmd = argv_to_json(full);
        record_set(rec, "cmd", cmd);

        _cleanup_strv_ char **env = NULL;
        int r = env_set(&env, DEFAULT_PATH);
        const char *ienv = bl_record_get(img, "env");
        _cleanup_strv_ char **image_env = NULL;
        if (ienv && argv_from_json(ienv, &image_env) == 0)
                for (char **p = image_env; *p && r == 0; p++)
                        r = env_set(&env, *p);
        for (char **p = cfg->env; p && *p && r == 0; p++)
                r = env_set(&env, *p);
        if (r < 0)
                return r;
        _cleanup_free_ char *envj = argv_to_json(env);
        record_set(rec, "env", envj);

        const char *wd = cfg->workdir ? cfg->workdir : bl_record_get(img, "workdir");
        if (wd)
                record_set(rec, "workdir", wd);
        record_set(rec, "hostname", cfg->hostname ? cfg->hostname : name);
        const char *user = cfg->user ? cfg->user : bl_record_get(img, "user");
        if (user)
                record_set(rec, "user", user);
        if (cfg->restart)
                record_set(rec, "restart", cfg->restart);
        if (cfg->cap_add) {
                _cleanup_free_ char *j = argv_to_json(cfg->cap_add);
                record_set(rec, "cap_add", j);
        }
        if (cfg->cap_drop) {
                _cleanup_free_ char *j = argv_to_json(cfg->cap_drop);
                record_set(rec, "cap_drop", j);
        }
        record_set(rec, "privileged", cfg->privileged == 1 ? "yes" : "no");
        record_set(rec, "seccomp", cfg->seccomp == 0 || cfg->privileged == 1 ? "unconfined" : "default");
        if (cfg->tty)
                record_set(rec, "tty", "yes");
        if (cfg->auto_remove)
                record_set(rec, "auto_remove", "yes");
        if (cfg->userns) {
                uid_t start = cfg->userns_start, gstart;
                uint32_t count = cfg->userns_count, gcount;
                if (!count) {
                        if (userns_subid_range("/etc/subuid", "root", &start, &count) < 0 ||
                            userns_subid_range("/etc/subgid", "root", &gstart, &gcount) < 0)
                                return ctx_fail(ctx, ENOENT, "container \"%s\": --userns: no range for root in /etc/subuid and "
                                                           "/etc/subgid; add one or give --userns-range START:COUNT", name);
                        if (gstart != start || gcount != count)
                                return ctx_fail(ctx, EINVAL, "container \"%s\": --userns: root's ranges in /etc/subuid and /etc/subgid differ", name);
                }
                record_setf(rec, "userns", "%u %u", (unsigned) start, count);
        }
        return limits_to_record(ctx, cfg, rec);
}

BL_EXPORT int bl_container_create(bl_ctx *ctx, const char *name, const bl_container_config *cfg)
{
        ctx_begin_call(ctx);
        _cleanup_record_ bl_record *img = NULL, *rec = record_new();
        int r = validate(ctx, name, cfg, &img);
        if (r < 0)
                return r;
        if (!rec)
                return -ENOMEM;
        if ((r = fill_record(ctx, name, cfg, img, rec)) < 0)
                return r;

        /* reserve the name and the addresses under the lock; copy without it */
        {
                _cleanup_unlock_ int lock = -1;
                if ((r = store_lock(ctx, &lock)) < 0)
                        return r;
                if (manifest_exists(ctx, KIND_CONTAINERS, name))
                        return ctx_fail(ctx, EEXIST, "container \"%s\": already exists", name);
                if ((r = network_assign(ctx, cfg, name, rec)) < 0)
                        return r;
                if ((r = container_save(ctx, rec)) < 0)
                        return r;
        }
        fault_point("container-create-reserved");
        ctx_trace(ctx, "create: reserved");

        _cleanup_free_ char *src = image_file(ctx, cfg->image);
        _cleanup_free_ char *dir = container_dir(ctx, name);
        _cleanup_free_ char *partial = container_file(ctx, name, "rootfs.img.partial");
        _cleanup_free_ char *disk = container_file(ctx, name, "rootfs.img");
        if (!src || !dir || !partial || !disk) {
                r = -ENOMEM;
                goto fail;
        }
        struct stat ist;
        if (stat(src, &ist) < 0) {
                r = ctx_fail(ctx, errno, "container \"%s\": image file %s: %m", name, src);
                goto fail;
        }
        if ((r = container_space_check(ctx, name, (uint64_t) ist.st_size)) < 0)
                goto fail;
        rm_rf(dir);
        if (mkdir(dir, 0711) < 0) {
                r = ctx_fail(ctx, errno, "container \"%s\": cannot create %s: %m", name, dir);
                goto fail;
        }
        if ((r = disk_copy(ctx, src, partial, NULL)) < 0) {
                ctx_fail_wrap(ctx, r, "container \"%s\"", name);
                goto fail;
        }
        fault_point("container-create-copied");
        ctx_trace(ctx, "create: copied");
        if (rename(partial, disk) < 0) {
                r = ctx_fail(ctx, errno, "container \"%s\": %m", name);
                goto fail;
        }
        fault_point("container-create-renamed");
        {
                _cleanup_unlock_ int lock = -1;
                if ((r = store_lock(ctx, &lock)) < 0)
                        goto fail;
                /* compare-and-set: the reservation must still be ours (check
                 * may have undone it, thinking us dead) */
                _cleanup_record_ bl_record *now = NULL;
                const char *st = NULL;
                uint64_t creator = 0;
                if (container_load(ctx, name, &now) < 0 || !(st = bl_record_get(now, "state")) || strcmp(st, "creating") != 0 ||
                    record_get_u64(now, "creator_pid", &creator) < 0 || creator != (uint64_t) getpid()) {
                        /* not ours any more: nothing of it to undo either */
                        return ctx_fail_replace(ctx, EBUSY, "container \"%s\": its reservation was taken over while its disk was copied", name);
                }
                record_set(rec, "state", "created");
                record_set(rec, "creator_pid", NULL);
                if ((r = container_save(ctx, rec)) < 0)
                        goto fail;
        }
        ctx_trace(ctx, "create: recorded");
        ctx_log(ctx, BL_LOG_INFO, "container \"%s\": created from image \"%s\"", name, cfg->image);
        return 0;

fail:
        if (dir)
                rm_rf(dir);
        {
                _cleanup_unlock_ int lock = -1;
                if (store_lock(ctx, &lock) == 0)
                        manifest_remove(ctx, KIND_CONTAINERS, name);
        }
        return r;
}

BL_EXPORT int bl_container_commit(bl_ctx *ctx, const char *name, const char *image)
{
        ctx_begin_call(ctx);
        _cleanup_record_ bl_record *rec = NULL;
        int r = container_load(ctx, name, &rec);
        if (r < 0 || (r = bl_name_check(ctx, "image", image)) < 0)
                return r;
        if (container_liveness(rec) == LIVE_RUNNING)
                return ctx_fail(ctx, EBUSY, "container \"%s\": is running; stop it before committing", name);
        if ((r = image_reserve(ctx, image, "commit")) < 0)
                return r;
        _cleanup_free_ char *disk = container_file(ctx, name, "rootfs.img");
        _cleanup_free_ char *partial = store_path(ctx, "tmp/image-%s.img.partial", image);
        _cleanup_record_ bl_record *config = record_new();
        if (!disk || !partial || !config) {
                r = -ENOMEM;
                goto fail;
        }
        unlink(partial);
        if ((r = disk_copy(ctx, disk, partial, NULL)) < 0)
                goto fail;
        /* the container's command, env, workdir and user become the image's */
        static const char *const keys[] = { "cmd", "env", "workdir", "user" };
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
                if (bl_record_get(rec, keys[i]))
                        record_set(config, keys[i], bl_record_get(rec, keys[i]));
        record_set(config, "source_arg", name);
        struct stat st;
        uint64_t used = stat(partial, &st) == 0 ? (uint64_t) st.st_blocks * 512 : 0;
        if ((r = image_adopt_file(ctx, image, partial, used, "commit", config)) < 0)
                goto fail;
        return 0;
fail:
        if (partial)
                unlink(partial);
        image_unreserve(ctx, image);
        return r;
}
