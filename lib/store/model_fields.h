/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simple keys of a model: one table per model, read both ways (decode
 * and encode) by the same code. */
#pragma once

#include <stddef.h>

#include "model.h"

enum ftype {
        F_STR,          /* absent: NULL */
        F_U64,          /* absent: 0, written when not 0 */
        F_U64_ALWAYS,   /* written even when 0 (the seed's pid, starting_time) */
        F_FLAG,         /* bool: "yes" or absent */
        F_YESNO,        /* bool: always written, "yes" or "no" */
        F_STRV,         /* a JSON array of strings; absent: NULL */
        F_OBJECT,       /* the text of a JSON object; absent: NULL */
        F_ENUM,         /* an enum (int-sized) named by names[]; 0: absent */
};

struct field {
        const char *key;
        enum ftype type;
        size_t off;
        const char *const *names;       /* F_ENUM: names[1..nnames-1] */
        size_t nnames;
};

const struct field *field_find(const struct field *table, size_t n, const char *key);
/* -EBADMSG when v is not what this version writes for the field. */
int field_decode(const struct field *f, const char *v, void *model);
int field_encode(const struct field *f, const void *model, bl_record *rec);
void field_free(const struct field *f, void *model);
