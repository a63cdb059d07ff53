/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A bridge manifest, decoded once and encoded once. */
#include <inttypes.h>

#include "model.h"

static const char *const bstate_names[] = {
        [BSTATE_NONE] = NULL, [BSTATE_CREATING] = "creating", [BSTATE_READY] = "ready", [BSTATE_REMOVING] = "removing",
};

static int bridge_decode_one(struct bridge_model *m, const char *k, const char *v, bool *known)
{
        *known = true;
        if (strcmp(k, "name") == 0)
                return (m->name = strdup(v)) ? 0 : -ENOMEM;
        if (strcmp(k, "address") == 0) {
                m->has_address = true;
                return parse_ipv4_cidr(v, &m->addr, &m->prefix) < 0 ? -EBADMSG : 0;
        }
        if (strcmp(k, "state") == 0) {
                for (size_t s = 1; s < ARRAY_SIZE(bstate_names); s++)
                        if (strcmp(v, bstate_names[s]) == 0) {
                                m->state = (bstate) s;
                                return 0;
                        }
                return -EBADMSG;
        }
        if (strcmp(k, "creator_pid") == 0)
                return parse_u64(v, &m->creator_pid) < 0 ? -EBADMSG : 0;
        if (strcmp(k, "created") == 0)
                return parse_u64(v, &m->created) < 0 ? -EBADMSG : 0;
        *known = false;
        return 0;
}

int bridge_model_decode(const bl_record *rec, struct bridge_model *m, char ret_key[MODEL_KEY_MAX])
{
        memset(m, 0, sizeof(*m));
        int r = -ENOMEM;
        if (!(m->extra = record_new()))
                goto fail;
        for (size_t i = 0; i < rec->n; i++) {
                bool known;
                r = bridge_decode_one(m, rec->keys[i], rec->values[i], &known);
                if (r == 0 && !known)
                        r = record_set(m->extra, rec->keys[i], rec->values[i]);
                if (r < 0) {
                        if (ret_key)
                                snprintf(ret_key, MODEL_KEY_MAX, "%s", rec->keys[i]);
                        goto fail;
                }
        }
        if (!m->name) {
                if (ret_key)
                        snprintf(ret_key, MODEL_KEY_MAX, "%s", "name");
                r = -EBADMSG;
                goto fail;
        }
        return 0;
fail:
        bridge_model_done(m);
        return r;
}

int bridge_model_encode(const struct bridge_model *m, bl_record **ret)
{
        _cleanup_record_ bl_record *rec = record_new();
        char ip[16];
        int r = rec ? record_set(rec, "name", m->name) : -ENOMEM;
        if (r == 0 && m->has_address) {
                format_ipv4(m->addr, ip);
                r = record_setf(rec, "address", "%s/%d", ip, m->prefix);
        }
        if (r == 0)
                r = record_set(rec, "state", (size_t) m->state < ARRAY_SIZE(bstate_names) ? bstate_names[m->state] : NULL);
        if (r == 0 && m->creator_pid)
                r = record_setf(rec, "creator_pid", "%" PRIu64, m->creator_pid);
        if (r == 0 && m->created)
                r = record_setf(rec, "created", "%" PRIu64, m->created);
        for (size_t i = 0; r == 0 && m->extra && i < m->extra->n; i++)
                if (!bl_record_get(rec, m->extra->keys[i]))
                        r = record_set(rec, m->extra->keys[i], m->extra->values[i]);
        if (r < 0)
                return r;
        *ret = steal_ptr(&rec);
        return 0;
}

void bridge_model_done(struct bridge_model *m)
{
        free(m->name);
        bl_record_free(m->extra);
        memset(m, 0, sizeof(*m));
}

DEFINE_MODEL_IO(bridge, KIND_BRIDGES)
