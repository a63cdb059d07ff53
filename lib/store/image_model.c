/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An image manifest, decoded once and encoded once. */
#include <inttypes.h>
#include <stddef.h>

#include "model_fields.h"

static const char *const state_names[] = { [ISTATE_NONE] = NULL, [ISTATE_CREATING] = "creating", [ISTATE_READY] = "ready" };

#define M(f) offsetof(struct image_model, f)

/* in the order written: the seed's keys first */
static const struct field fields[] = {
        { "name", F_STR, M(name) },
        { "size", F_U64, M(size) },
        { "path", F_STR, M(path) },
        { "used", F_U64, M(used) },
        { "source", F_STR, M(source) },
        { "created", F_U64, M(created) },
        { "state", F_ENUM, M(state), state_names, ARRAY_SIZE(state_names) },
        { "creator_pid", F_U64, M(creator_pid) },
        { "source_arg", F_STR, M(source_arg) },
        { "entrypoint", F_STRV, M(entrypoint) },
        { "cmd", F_STRV, M(cmd) },
        { "env", F_STRV, M(env) },
        { "workdir", F_STR, M(workdir) },
        { "user", F_STR, M(user) },
        { "exposed_ports", F_STRV, M(exposed_ports) },
        { "labels", F_OBJECT, M(labels) },
        { "tag", F_STR, M(tag) },
        { "digest", F_STR, M(digest) },
        { "format", F_STR, M(format) },
};

int image_model_decode(const bl_record *rec, struct image_model *m, char ret_key[MODEL_KEY_MAX])
{
        memset(m, 0, sizeof(*m));
        int r = -ENOMEM;
        if (!(m->extra = record_new()))
                goto fail;
        for (size_t i = 0; i < rec->n; i++) {
                const struct field *f = field_find(fields, ARRAY_SIZE(fields), rec->keys[i]);
                r = f ? field_decode(f, rec->values[i], m) : record_set(m->extra, rec->keys[i], rec->values[i]);
                if (r < 0) {
                        if (ret_key)
                                snprintf(ret_key, MODEL_KEY_MAX, "%s", rec->keys[i]);
                        goto fail;
                }
        }
        if (!m->name) {
                if (ret_key)
                        snprintf(ret_key, MODEL_KEY_MAX, "name");
                r = -EBADMSG;
                goto fail;
        }
        return 0;
fail:
        image_model_done(m);
        return r;
}

int image_model_encode(const struct image_model *m, bl_record **ret)
{
        _cleanup_record_ bl_record *rec = record_new();
        int r = rec ? 0 : -ENOMEM;
        for (size_t i = 0; r == 0 && i < ARRAY_SIZE(fields); i++)
                r = field_encode(&fields[i], m, rec);
        for (size_t i = 0; r == 0 && m->extra && i < m->extra->n; i++)
                if (!bl_record_get(rec, m->extra->keys[i]))
                        r = record_set(rec, m->extra->keys[i], m->extra->values[i]);
        if (r < 0)
                return r;
        *ret = steal_ptr(&rec);
        return 0;
}

void image_model_done(struct image_model *m)
{
        for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
                field_free(&fields[i], m);
        bl_record_free(m->extra);
        memset(m, 0, sizeof(*m));
}

DEFINE_MODEL_IO(image, KIND_IMAGES)
