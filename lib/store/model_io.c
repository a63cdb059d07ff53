/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loading and listing of any model: one manifest, or every one of a kind. */
#include "model.h"

int model_load(bl_ctx *ctx, const char *kind, const char *name, model_decode_fn decode, void *model)
{
        _cleanup_record_ bl_record *rec = NULL;
        char key[MODEL_KEY_MAX] = "?";
        int r = manifest_load(ctx, kind, name, &rec);
        if (r < 0)
                return r;
        if ((r = decode(rec, model, key)) != -EBADMSG)
                return r;
        _cleanup_free_ char *path = store_path(ctx, "manifeste/%s/%s.manifest", kind, name);
        return ctx_fail(ctx, EBADMSG, "%s \"%s\": corrupt manifest %s: bad value for key \"%s\"", kind_noun(kind), name, path ? path : "", key);
}

int model_list(bl_ctx *ctx, const char *kind, model_decode_fn decode, model_done_fn done, size_t size, void **ret_items, size_t *ret_n)
{
        _cleanup_record_list_ bl_record_list *list = NULL;
        int r = manifest_list(ctx, kind, &list);
        if (r < 0)
                return r;
        char *items = calloc(list->n + 1, size);
        size_t n = 0;
        if (!items)
                return -ENOMEM;
        for (size_t i = 0; i < list->n; i++) {
                char key[MODEL_KEY_MAX] = "?";
                if ((r = decode(list->items[i], items + n * size, key)) == 0) {
                        n++;
                        continue;
                }
                if (r != -EBADMSG) {
                        while (n > 0)
                                done(items + --n * size);
                        free(items);
                        return r;
                }
                /* skipped, never fatal: one bad file must not hide the others */
                const char *name = bl_record_get(list->items[i], "name");
                _cleanup_free_ char *path = store_path(ctx, "manifeste/%s/%s.manifest", kind, name);
                ctx_log(ctx, BL_LOG_WARNING, "%s \"%s\": corrupt manifest %s: bad value for key \"%s\"", kind_noun(kind), name,
                        path ? path : "", key);
        }
        *ret_items = items;
        *ret_n = n;
        return 0;
}
