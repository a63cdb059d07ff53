/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "record.h"

bl_record *record_new(void)
{
        return calloc(1, sizeof(bl_record));
}

static ssize_t find(const bl_record *rec, const char *key)
{
        for (size_t i = 0; i < rec->n; i++)
                if (strcmp(rec->keys[i], key) == 0)
                        return (ssize_t) i;
        return -1;
}

int record_set(bl_record *rec, const char *key, const char *value)
{
        ssize_t i = find(rec, key);
        if (!value) {
                if (i < 0)
                        return 0;
                free(rec->keys[i]);
                free(rec->values[i]);
                memmove(rec->keys + i, rec->keys + i + 1, (rec->n - (size_t) i - 1) * sizeof(char *));
                memmove(rec->values + i, rec->values + i + 1, (rec->n - (size_t) i - 1) * sizeof(char *));
                rec->n--;
                return 0;
        }
        char *v = strdup(value);
        if (!v)
                return -ENOMEM;
        if (i >= 0) {
                free(rec->values[i]);
                rec->values[i] = v;
                return 0;
        }
        if (rec->n == rec->cap) {
                size_t cap = rec->cap ? rec->cap * 2 : 16;
                char **k = realloc(rec->keys, cap * sizeof(char *));
                if (!k) { free(v); return -ENOMEM; }
                rec->keys = k;
                char **vv = realloc(rec->values, cap * sizeof(char *));
                if (!vv) { free(v); return -ENOMEM; }
                rec->values = vv;
                rec->cap = cap;
        }
        char *k = strdup(key);
        if (!k) {
                free(v);
                return -ENOMEM;
        }
        rec->keys[rec->n] = k;
        rec->values[rec->n] = v;
        rec->n++;
        return 0;
}

int record_setf(bl_record *rec, const char *key, const char *fmt, ...)
{
        char *s = NULL;
        va_list ap;
        va_start(ap, fmt);
        int r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        r = record_set(rec, key, s);
        free(s);
        return r;
}

int record_get_u64(const bl_record *rec, const char *key, uint64_t *ret)
{
        const char *v = bl_record_get(rec, key);
        if (!v)
                return -ENOENT;
        return parse_u64(v, ret);
}

BL_EXPORT const char *bl_record_get(const bl_record *rec, const char *key)
{
        if (!rec || !key)
                return NULL;
        ssize_t i = find(rec, key);
        return i < 0 ? NULL : rec->values[i];
}

BL_EXPORT size_t bl_record_count(const bl_record *rec)
{
        return rec ? rec->n : 0;
}

BL_EXPORT const char *bl_record_key(const bl_record *rec, size_t i)
{
        return rec && i < rec->n ? rec->keys[i] : NULL;
}

BL_EXPORT const char *bl_record_value(const bl_record *rec, size_t i)
{
        return rec && i < rec->n ? rec->values[i] : NULL;
}

BL_EXPORT void bl_record_free(bl_record *rec)
{
        if (!rec)
                return;
        for (size_t i = 0; i < rec->n; i++) {
                free(rec->keys[i]);
                free(rec->values[i]);
        }
        free(rec->keys);
        free(rec->values);
        free(rec);
}

bl_record_list *record_list_new(void)
{
        return calloc(1, sizeof(bl_record_list));
}

int record_list_push(bl_record_list *list, bl_record *rec)
{
        if (list->n == list->cap) {
                size_t cap = list->cap ? list->cap * 2 : 16;
                bl_record **items = realloc(list->items, cap * sizeof(*items));
                if (!items)
                        return -ENOMEM;
                list->items = items;
                list->cap = cap;
        }
        list->items[list->n++] = rec;
        return 0;
}

/* The key travels with the call (qsort_r), not in a global: two threads
 * sort two lists at once. */
static int cmp_records(const void *a, const void *b, void *key)
{
        const char *x = bl_record_get(*(bl_record *const *) a, key);
        const char *y = bl_record_get(*(bl_record *const *) b, key);
        return strcmp(x ? x : "", y ? y : "");
}

void record_list_sort(bl_record_list *list, const char *key)
{
        if (list->n > 1)
                qsort_r(list->items, list->n, sizeof(*list->items), cmp_records, (void *) key);
}

BL_EXPORT size_t bl_record_list_count(const bl_record_list *list)
{
        return list ? list->n : 0;
}

BL_EXPORT const bl_record *bl_record_list_get(const bl_record_list *list, size_t i)
{
        return list && i < list->n ? list->items[i] : NULL;
}

BL_EXPORT void bl_record_list_free(bl_record_list *list)
{
        if (!list)
                return;
        for (size_t i = 0; i < list->n; i++)
                bl_record_free(list->items[i]);
        free(list->items);
        free(list);
}
