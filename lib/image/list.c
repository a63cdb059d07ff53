/* SPDX-License-Identifier: LGPL-2.1-or-later */
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
