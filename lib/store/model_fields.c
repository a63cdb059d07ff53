/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <json-c/json.h>

#include "model_fields.h"

const struct field *field_find(const struct field *table, size_t n, const char *key)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(table[i].key, key) == 0)
                        return &table[i];
        return NULL;
}

static bool json_object_text(const char *v)
{
        json_object *o = json_tokener_parse(v);
        bool ok = o && json_object_is_type(o, json_type_object);
        json_object_put(o);
        return ok;
}

int field_decode(const struct field *f, const char *v, void *model)
{
        void *p = (char *) model + f->off;
        switch (f->type) {
        case F_STR:
                return (*(char **) p = strdup(v)) ? 0 : -ENOMEM;
        case F_U64:
        case F_U64_ALWAYS:
                return parse_u64(v, p) < 0 ? -EBADMSG : 0;
        case F_FLAG:
        case F_YESNO:
                if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
                        return -EBADMSG;
                *(bool *) p = v[0] == 'y';
                return 0;
        case F_STRV:
                return argv_from_json(v, p);
        case F_OBJECT:
                if (!json_object_text(v))
                        return -EBADMSG;
                return (*(char **) p = strdup(v)) ? 0 : -ENOMEM;
        case F_ENUM:
                for (size_t s = 1; s < f->nnames; s++)
                        if (strcmp(v, f->names[s]) == 0) {
                                *(int *) p = (int) s;
                                return 0;
                        }
                return -EBADMSG;
        }
        return -EBADMSG;
}

int field_encode(const struct field *f, const void *model, bl_record *rec)
{
        const void *p = (const char *) model + f->off;
        switch (f->type) {
        case F_STR:
        case F_OBJECT:
                return record_set(rec, f->key, *(char *const *) p);
        case F_U64:
                if (!*(const uint64_t *) p)
                        return 0;
                return record_setf(rec, f->key, "%" PRIu64, *(const uint64_t *) p);
        case F_U64_ALWAYS:
                return record_setf(rec, f->key, "%" PRIu64, *(const uint64_t *) p);
        case F_FLAG:
                return *(const bool *) p ? record_set(rec, f->key, "yes") : 0;
        case F_YESNO:
                return record_set(rec, f->key, *(const bool *) p ? "yes" : "no");
        case F_STRV: {
                char *const *v = *(char **const *) p;
                if (!v)
                        return 0;
                _cleanup_free_ char *j = argv_to_json(v);
                return j ? record_set(rec, f->key, j) : -ENOMEM;
        }
        case F_ENUM: {
                int e = *(const int *) p;
                return record_set(rec, f->key, e > 0 && (size_t) e < f->nnames ? f->names[e] : NULL);
        }
        }
        return -EINVAL;
}

void field_free(const struct field *f, void *model)
{
        void *p = (char *) model + f->off;
        if (f->type == F_STR || f->type == F_OBJECT)
                free(*(char **) p);
        else if (f->type == F_STRV)
                strv_freep(p);
}
