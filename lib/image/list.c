/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <sys/stat.h>

#include "image.h"
#include "store/store.h"

int image_load(bl_ctx *ctx, const char *name, struct image_model *ret)
{
        int r = bl_name_check(ctx, "image", name);
        if (r < 0 || (r = image_model_load(ctx, name, ret)) < 0)
                return r;
        if (ret->state == ISTATE_CREATING) {
                image_model_done(ret);
                return ctx_fail(ctx, EBUSY, "image \"%s\": is being created", name);
        }
        return 0;
}

int image_abandoned(bl_ctx *ctx, char ***ret)
{
        _cleanup_image_models_ struct image_models all = { 0 };
        char **names = NULL;
        int r = image_models_load(ctx, &all);
        if (r < 0)
                return r;
        for (size_t i = 0; i < all.n; i++) {
                const struct image_model *m = &all.items[i];
                if (m->state != ISTATE_CREATING || (m->creator_pid > 0 && kill((pid_t) m->creator_pid, 0) == 0))
                        continue;
                if ((r = strv_push(&names, m->name)) < 0) {
                        strv_freep(&names);
                        return r;
                }
        }
        *ret = names;
        return 0;
}

/* The listing's record: the manifest's keys and the space the image file
 * really takes (it is sparse). */
static int image_record(const struct image_model *m, bl_record **ret)
{
        _cleanup_record_ bl_record *rec = NULL;
        struct stat st;
        int r = image_model_encode(m, &rec);
        if (r == 0 && m->path && stat(m->path, &st) == 0)
                r = record_setf(rec, "allocated", "%llu", (unsigned long long) st.st_blocks * 512ULL);
        if (r < 0)
                return r;
        *ret = steal_ptr(&rec);
        return 0;
}

static int image_list_call(bl_ctx *ctx, bl_record_list **ret)
{
        _cleanup_image_models_ struct image_models all = { 0 };
        _cleanup_record_list_ bl_record_list *out = record_list_new();
        int r = out ? image_models_load(ctx, &all) : -ENOMEM;
        for (size_t i = 0; r == 0 && i < all.n; i++) {
                bl_record *rec;
                if (all.items[i].state == ISTATE_CREATING)
                        continue;
                if ((r = image_record(&all.items[i], &rec)) == 0 && (r = record_list_push(out, rec)) < 0)
                        bl_record_free(rec);
        }
        if (r < 0)
                return r;
        *ret = steal_ptr(&out);
        return 0;
}

BL_EXPORT int bl_image_list(bl_ctx *ctx, bl_record_list **ret)
{
        ctx_begin_call(ctx);
        return ctx_end_call(ctx, image_list_call(ctx, ret), "state root \"%s\": images", ctx->root);
}

static int image_inspect_call(bl_ctx *ctx, const char *name, bl_record **ret)
{
        _cleanup_image_model_ struct image_model m = { 0 };
        int r = image_load(ctx, name, &m);
        return r < 0 ? r : image_record(&m, ret);
}

BL_EXPORT int bl_image_inspect(bl_ctx *ctx, const char *name, bl_record **ret)
{
        ctx_begin_call(ctx);
        return ctx_end_call(ctx, image_inspect_call(ctx, name, ret), "image \"%s\"", name ? name : "");
}

static int image_remove_call(bl_ctx *ctx, const char *name)
{
        _cleanup_unlock_ int lock = -1;
        _cleanup_image_model_ struct image_model m = { 0 };
        int r = bl_name_check(ctx, "image", name);
        if (r < 0)
                return r;
        if ((r = store_lock(ctx, &lock)) < 0)
                return r;
        if ((r = image_load(ctx, name, &m)) < 0)
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

BL_EXPORT int bl_image_remove(bl_ctx *ctx, const char *name)
{
        ctx_begin_call(ctx);
        return ctx_end_call(ctx, image_remove_call(ctx, name), "image \"%s\"", name ? name : "");
}
