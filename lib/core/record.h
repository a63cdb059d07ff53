/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Ordered key/value records: manifests on disk and listings in the API. */
#pragma once

#include "core.h"

struct bl_record {
        size_t n, cap;
        char **keys;
        char **values;
};

struct bl_record_list {
        size_t n, cap;
        bl_record **items;
};

bl_record *record_new(void);
/* Sets key to value (replacing, order kept); value NULL removes the key. */
int record_set(bl_record *rec, const char *key, const char *value);
int record_setf(bl_record *rec, const char *key, const char *fmt, ...) _printf_(3, 4);
int record_get_u64(const bl_record *rec, const char *key, uint64_t *ret);
static inline void record_freep(bl_record **r) { bl_record_free(*r); }
#define _cleanup_record_ _cleanup_(record_freep)

bl_record_list *record_list_new(void);
/* Takes ownership of rec. */
int record_list_push(bl_record_list *list, bl_record *rec);
void record_list_sort(bl_record_list *list, const char *key);
static inline void record_list_freep(bl_record_list **l) { bl_record_list_free(*l); }
#define _cleanup_record_list_ _cleanup_(record_list_freep)
