/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <sys/stat.h>

#include "image.h"
#include "store/store.h"

int image_load(bl_ctx *ctx, const char *name, bl_record **ret)
{
        int r = bl_name_check(ctx, "image", name);
        if (r < 0)
                return r;
        bl_record *rec = NULL;
        r = manifest_load(ctx, KIND_IMAGES, name, &rec);
        if (r < 0)
                return r;
        const char *state = bl_record_get(rec, "state");
        if (state && strcmp(state, "ready") != 0) {
                bl_record_free(rec);
                return ctx_fail(ctx, EBUSY, "image \"%s\": is being created", name);
        }
        *ret = rec;
        return 0;
}

void image_run_config_done(struct image_run_config *c)
{
        strv_freep(&c->entrypoint);
        strv_freep(&c->cmd);
        strv_freep(&c->env);
        free(c->workdir);
        free(c->user);
        memset(c, 0, sizeof(*c));
}

static const char *const run_lists[] = { "entrypoint", "cmd", "env" };

int image_run_config_load(bl_ctx *ctx, const char *name, struct image_run_config *ret)
{
        _cleanup_record_ bl_record *rec = NULL;
        int r = image_load(ctx, name, &rec);
        if (r < 0)
                return r;
        struct image_run_config c = { 0 };
        char ***lists[] = { &c.entrypoint, &c.cmd, &c.env };
        for (size_t i = 0; i < ARRAY_SIZE(run_lists); i++) {
                const char *v = bl_record_get(rec, run_lists[i]);
                if (v && (r = argv_from_json(v, lists[i])) < 0) {
                        image_run_config_done(&c);
                        if (r != -EBADMSG)
                                return r;
                        _cleanup_free_ char *path = store_path(ctx, "manifeste/%s/%s.manifest", KIND_IMAGES, name);
                        return ctx_fail(ctx, EBADMSG, "image \"%s\": corrupt manifest %s: bad value for key \"%s\"", name,
                                        path ? path : "", run_lists[i]);
                }
        }
        const char *wd = bl_record_get(rec, "workdir"), *user = bl_record_get(rec, "user");
        if ((wd && !(c.workdir = strdup(wd))) || (user && !(c.user = strdup(user)))) {
                image_run_config_done(&c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

int image_run_config_record(const struct image_run_config *c, const char *source_arg, bl_record **ret)
{
        _cleanup_record_ bl_record *rec = record_new();
        char **const lists[] = { c->entrypoint, c->cmd, c->env };
        int r = rec ? 0 : -ENOMEM;
        for (size_t i = 0; r == 0 && i < ARRAY_SIZE(run_lists); i++) {
                if (!lists[i])
                        continue;
                _cleanup_free_ char *j = argv_to_json(lists[i]);
                r = j ? record_set(rec, run_lists[i], j) : -ENOMEM;
        }
        if (r == 0)
                r = record_set(rec, "workdir", c->workdir);
        if (r == 0)
                r = record_set(rec, "user", c->user);
        if (r == 0)
                r = record_set(rec, "source_arg", source_arg);
        if (r < 0)
                return r;
        *ret = steal_ptr(&rec);
        return 0;
}

int image_abandoned(bl_ctx *ctx, char ***ret)
{
        _cleanup_record_list_ bl_record_list *images = NULL;
        char **names = NULL;
        int r = manifest_list(ctx, KIND_IMAGES, &images);
        if (r < 0)
                return r;
        for (size_t i = 0; i < images->n; i++) {
                const char *state = bl_record_get(images->items[i], "state");
                uint64_t creator = 0;
                if (!state || strcmp(state, "creating") != 0 ||
                    (record_get_u64(images->items[i], "creator_pid", &creator) == 0 && creator > 0 && kill((pid_t) creator, 0) == 0))
                        continue;
                if ((r = strv_push(&names, bl_record_get(images->items[i], "name"))) < 0) {
                        strv_freep(&names);
                        return r;
                }
        }
        *ret = names;
        return 0;
}

/* Space the image file really takes (it is sparse). */
static void add_allocated(bl_record *rec)
{
        const char *path = bl_record_get(rec, "path");
        struct stat st;
        if (path && stat(path, &st) == 0)
                record_setf(rec, "allocated", "%llu", (unsigned long long) st.st_blocks * 512ULL);
}

BL_EXPORT int bl_image_list(bl_ctx *ctx, bl_record_list **ret)
{
        ctx_begin_call(ctx);
        _cleanup_record_list_ bl_record_list *all = NULL, *out = record_list_new();
        int r = manifest_list(ctx, KIND_IMAGES, &all);
        if (r < 0)
                return r;
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < all->n; i++) {
                const char *state = bl_record_get(all->items[i], "state");
                if (state && strcmp(state, "ready") != 0)
                        continue;
                add_allocated(all->items[i]);
                if ((r = record_list_push(out, all->items[i])) < 0)
                        return r;
                all->items[i] = NULL;
        }
        *ret = steal_ptr(&out);
        return 0;
}

BL_EXPORT int bl_image_inspect(bl_ctx *ctx, const char *name, bl_record **ret)
{
        ctx_begin_call(ctx);
        bl_record *rec = NULL;
        int r = image_load(ctx, name, &rec);
        if (r < 0)
                return r;
        add_allocated(rec);
        *ret = rec;
        return 0;
}

BL_EXPORT int bl_image_remove(bl_ctx *ctx, const char *name)
{
        ctx_begin_call(ctx);
        _cleanup_unlock_ int lock = -1;
        _cleanup_record_ bl_record *rec = NULL;
        int r = bl_name_check(ctx, "image", name);
        if (r < 0)
                return r;
        if ((r = store_lock(ctx, &lock)) < 0)
                return r;
        if ((r = image_load(ctx, name, &rec)) < 0)
                return r;
        /* the manifest goes first: a crash between leaves an orphan file that
         * check removes, never a manifest naming nothing */
        if ((r = manifest_remove(ctx, KIND_IMAGES, name)) < 0)
                return r;
        fault_point("image-remove-manifest");
        _cleanup_free_ char *file = image_file(ctx, name);
        if (file && unlink(file) < 0 && errno != ENOENT)
                ctx_log(ctx, BL_LOG_WARNING, "image \"%s\": cannot remove %s: %m", name, file);
        ctx_log(ctx, BL_LOG_INFO, "image \"%s\": removed", name);
        return 0;
}
