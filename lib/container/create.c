/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/stat.h>
#include <time.h>

#include "container.h"
#include "disk/disk.h"
#include "image/image.h"
#include "runtime/runtime.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int validate(bl_ctx *ctx, const char *name, const bl_container_config *cfg, struct image_model *ret_image,
                    struct container_limits *ret_limits)
{
        int r = bl_name_check(ctx, "container", name);
        if (r < 0)
                return r;
        if (!cfg || !cfg->image)
                return ctx_fail(ctx, EINVAL, "container \"%s\": no image given", name);
        if ((r = image_load(ctx, cfg->image, ret_image)) < 0)
                return r;
        struct cg_host h;
        struct cg_limits lim;
        if ((r = limits_from_config(ctx, cfg, ret_limits)) < 0)
                return ctx_fail_wrap(ctx, r, "container \"%s\"", name);
        limits_cg_view(ret_limits, &lim);
        if ((r = cgroup_host(ctx, &h)) < 0 || (r = cgroup_validate(ctx, &h, &lim)) < 0)
                return ctx_fail_wrap(ctx, r, "container \"%s\"", name);
        for (size_t i = 0; i < cfg->nnets; i++)
                if (!manifest_exists(ctx, KIND_BRIDGES, cfg->nets[i].bridge))
                        return ctx_fail(ctx, ENOENT, "container \"%s\": no such bridge \"%s\"", name, cfg->nets[i].bridge);
        return 0;
}

/* As Docker: entrypoint + command; -p replaces the image's command,
 * --entrypoint its entrypoint (and drops its command). */
static int resolve_cmd(const bl_container_config *cfg, const struct image_model *img, char ***ret)
{
        char *const *entry = cfg->entrypoint ? cfg->entrypoint : img->entrypoint;
        char *const *cmdv = cfg->argv ? cfg->argv : cfg->entrypoint ? NULL : img->cmd;
        char **full = NULL;
        int r = 0;
        for (char *const *p = entry; r == 0 && p && *p; p++)
                r = strv_push(&full, *p);
        for (char *const *p = cmdv; r == 0 && p && *p; p++)
                r = strv_push(&full, *p);
        if (r == 0 && !full)
                r = strv_push(&full, "/bin/sh");
        if (r < 0) {
                strv_freep(&full);
                return r;
        }
        *ret = full;
        return 0;
}

static int resolve_env(const bl_container_config *cfg, const struct image_model *img, char ***ret)
{
        char **env = NULL;
        int r = env_set(&env, DEFAULT_PATH);
        for (char **p = img->env; p && *p && r == 0; p++)
                r = env_set(&env, *p);
        for (char **p = cfg->env; p && *p && r == 0; p++)
                r = env_set(&env, *p);
        if (r < 0) {
                strv_freep(&env);
                return r;
        }
        *ret = env;
        return 0;
}

static int resolve_userns(bl_ctx *ctx, const char *name, const bl_container_config *cfg, struct container_model *m)
{
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
        m->userns = true;
        m->userns_start = start;
        m->userns_count = count;
        return 0;
}

static int dup_or_null(char **dst, const char *src)
{
        return !src || (*dst = strdup(src)) ? 0 : -ENOMEM;
}

static int fill_model(bl_ctx *ctx, const char *name, const bl_container_config *cfg, const struct image_model *img,
                      struct container_model *m)
{
        int r;
        m->state = CSTATE_CREATING;
        m->creator_pid = (uint64_t) getpid();
        m->created = (uint64_t) time(NULL);
        if ((r = dup_or_null(&m->name, name)) < 0 || (r = dup_or_null(&m->image, cfg->image)) < 0 ||
            (r = resolve_cmd(cfg, img, &m->cmd)) < 0 || (r = resolve_env(cfg, img, &m->env)) < 0 ||
            (r = dup_or_null(&m->workdir, cfg->workdir ? cfg->workdir : img->workdir)) < 0 ||
            (r = dup_or_null(&m->hostname, cfg->hostname ? cfg->hostname : name)) < 0 ||
            (r = dup_or_null(&m->user, cfg->user ? cfg->user : img->user)) < 0)
                return r;
        if (cfg->restart && restart_parse(cfg->restart, &m->restart, &m->restart_max) < 0)
                return ctx_fail(ctx, EINVAL, "container \"%s\": restart policy \"%s\" is not no, always, on-failure[:N]", name, cfg->restart);
        if ((cfg->cap_add && !(m->cap_add = strv_copy(cfg->cap_add))) || (cfg->cap_drop && !(m->cap_drop = strv_copy(cfg->cap_drop))))
                return -ENOMEM;
        m->privileged = cfg->privileged == 1;
        m->seccomp_unconfined = cfg->seccomp == 0 || cfg->privileged == 1;
        m->tty = cfg->tty;
        m->auto_remove = cfg->auto_remove;
        return cfg->userns ? resolve_userns(ctx, name, cfg, m) : 0;
}

/* Copies the image into the container's folder, without the lock. */
static int copy_disk(bl_ctx *ctx, const char *name, const char *image)
{
        _cleanup_free_ char *src = image_file(ctx, image);
        _cleanup_free_ char *dir = container_dir(ctx, name);
        _cleanup_free_ char *partial = container_file(ctx, name, "rootfs.img.partial");
        _cleanup_free_ char *disk = container_file(ctx, name, "rootfs.img");
        int r;
        if (!src || !dir || !partial || !disk)
                return -ENOMEM;
        struct stat ist;
        if (stat(src, &ist) < 0)
                return ctx_fail(ctx, errno, "container \"%s\": image file %s: %m", name, src);
        if ((r = container_space_check(ctx, name, (uint64_t) ist.st_size)) < 0)
                return r;
        rm_rf(dir);
        if (mkdir(dir, 0711) < 0)
                return ctx_fail(ctx, errno, "container \"%s\": cannot create %s: %m", name, dir);
        if ((r = disk_copy(ctx, src, partial, NULL)) < 0)
                return ctx_fail_wrap(ctx, r, "container \"%s\"", name);
        fault_point("container-create-copied");
        ctx_trace(ctx, "create: copied");
        if (rename(partial, disk) < 0)
                return ctx_fail(ctx, errno, "container \"%s\": %m", name);
        fault_point("container-create-renamed");
        return 0;
}

/* The name and the addresses, reserved under the lock. */
static int reserve(bl_ctx *ctx, const bl_container_config *cfg, struct container_model *m)
{
        _cleanup_unlock_ int lock = -1;
        int r;
        if ((r = store_lock(ctx, &lock)) < 0)
                return r;
        if (manifest_exists(ctx, KIND_CONTAINERS, m->name))
                return ctx_fail(ctx, EEXIST, "container \"%s\": already exists", m->name);
        if ((r = network_assign(ctx, cfg, m)) < 0)
                return r;
        return container_save(ctx, m);
}

/* Compare-and-set: the reservation must still be ours (check may have
 * undone it, thinking us dead). -ESTALE when it is not: nothing to undo. */
static int complete(bl_ctx *ctx, struct container_model *m)
{
        _cleanup_unlock_ int lock = -1;
        _cleanup_model_ struct container_model now = { 0 };
        int r;
        if ((r = store_lock(ctx, &lock)) < 0)
                return r;
        if (container_load(ctx, m->name, &now) < 0 || now.state != CSTATE_CREATING || now.creator_pid != (uint64_t) getpid()) {
                ctx_fail_replace(ctx, EBUSY, "container \"%s\": its reservation was taken over while its disk was copied", m->name);
                return -ESTALE;
        }
        m->state = CSTATE_CREATED;
        m->creator_pid = 0;
        return container_save(ctx, m);
}

static int container_create_call(bl_ctx *ctx, const char *name, const bl_container_config *cfg)
{
        _cleanup_model_ struct container_model m = { 0 };
        struct image_model img = { 0 };
        int r = validate(ctx, name, cfg, &img, &m.limits);
        if (r == 0)
                r = fill_model(ctx, name, cfg, &img, &m);
        image_model_done(&img);
        if (r < 0 || (r = reserve(ctx, cfg, &m)) < 0)
                return r;
        fault_point("container-create-reserved");
        ctx_trace(ctx, "create: reserved");
        if ((r = copy_disk(ctx, name, cfg->image)) == 0 && (r = complete(ctx, &m)) == -ESTALE)
                return -EBUSY; /* not ours any more: nothing of it to undo either */
        if (r < 0) {
                _cleanup_free_ char *dir = container_dir(ctx, name);
                _cleanup_unlock_ int lock = -1;
                if (dir)
                        rm_rf(dir);
                if (store_lock(ctx, &lock) == 0)
                        manifest_remove(ctx, KIND_CONTAINERS, name);
                return r;
        }
        ctx_trace(ctx, "create: recorded");
        ctx_log(ctx, BL_LOG_INFO, "container \"%s\": created from image \"%s\"", name, cfg->image);
        return 0;
}

BL_EXPORT int bl_container_create(bl_ctx *ctx, const char *name, const bl_container_config *cfg)
{
        ctx_begin_call(ctx);
        return ctx_end_call(ctx, container_create_call(ctx, name, cfg), "container \"%s\"", name ? name : "");
}

static int container_commit_call(bl_ctx *ctx, const char *name, const char *image)
{
        _cleanup_model_ struct container_model m = { 0 };
        int r = container_load(ctx, name, &m);
        if (r < 0 || (r = bl_name_check(ctx, "image", image)) < 0)
                return r;
        if (container_liveness(&m) == LIVE_RUNNING)
                return ctx_fail(ctx, EBUSY, "container \"%s\": is running; stop it before committing", name);
        if ((r = image_reserve(ctx, image, "commit")) < 0)
                return r;
        _cleanup_free_ char *disk = container_file(ctx, name, "rootfs.img");
        _cleanup_free_ char *partial = store_path(ctx, "tmp/image-%s.img.partial", image);
        /* the container's command, env, workdir and user become the image's */
        _cleanup_image_model_ struct image_model img = {
                .cmd = strv_copy(m.cmd), .env = m.env ? strv_copy(m.env) : NULL, .workdir = strdup_or_null(m.workdir),
                .user = strdup_or_null(m.user), .source_arg = strdup(name),
        };
        if (!disk || !partial || (m.cmd && !img.cmd) || (m.env && !img.env) || (m.workdir && !img.workdir) || (m.user && !img.user) ||
            !img.source_arg) {
                r = -ENOMEM;
                goto fail;
        }
        unlink(partial);
        if ((r = disk_copy(ctx, disk, partial, NULL)) < 0)
                goto fail;
        struct stat st;
        uint64_t used = stat(partial, &st) == 0 ? (uint64_t) st.st_blocks * 512 : 0;
        if ((r = image_adopt_file(ctx, image, partial, used, "commit", &img)) < 0)
                goto fail;
        return 0;
fail:
        if (partial)
                unlink(partial);
        image_unreserve(ctx, image);
        return r;
}

BL_EXPORT int bl_container_commit(bl_ctx *ctx, const char *name, const char *image)
{
        ctx_begin_call(ctx);
        return ctx_end_call(ctx, container_commit_call(ctx, name, image), "container \"%s\"", name ? name : "");
}
