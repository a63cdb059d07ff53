/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void format_duration(long long sec, char *buf, size_t n)
{
        if (sec < 0)
                sec = 0;
        if (sec < 60)
                snprintf(buf, n, "%llds", sec);
        else if (sec < 3600)
                snprintf(buf, n, "%lldm%llds", sec / 60, sec % 60);
        else if (sec < 86400)
                snprintf(buf, n, "%lldh%lldm", sec / 3600, (sec % 3600) / 60);
        else
                snprintf(buf, n, "%lldd%lldh", sec / 86400, (sec % 86400) / 3600);
}

void format_bytes(const char *bytes, char *buf, size_t n)
{
        if (!bytes || !*bytes) {
                snprintf(buf, n, "-");
                return;
        }
        double v = strtod(bytes, NULL);
        const char *u = "BKMGT";
        int i = 0;
        while (v >= 1024 && i < 4) {
                v /= 1024;
                i++;
        }
        if (i == 0)
                snprintf(buf, n, "%.0fB", v);
        else
                snprintf(buf, n, "%.1f%c", v, u[i]);
}

void print_table(const bl_record_list *list, const struct column *cols, size_t ncols)
{
        for (size_t c = 0; c < ncols; c++)
                if (c + 1 < ncols)
                        printf("%-*s ", cols[c].width, cols[c].title);
                else
                        printf("%s\n", cols[c].title);
        for (size_t i = 0; i < bl_record_list_count(list); i++) {
                const bl_record *rec = bl_record_list_get(list, i);
                for (size_t c = 0; c < ncols; c++) {
                        const char *v = bl_record_get(rec, cols[c].key);
                        if (!v || !*v)
                                v = "-";
                        if (c + 1 < ncols)
                                printf("%-*s ", cols[c].width, v);
                        else
                                printf("%s\n", v);
                }
        }
}

static json_object *record_json(const bl_record *rec)
{
        json_object *o = json_object_new_object();
        for (size_t i = 0; i < bl_record_count(rec); i++)
                json_object_object_add(o, bl_record_key(rec, i), json_object_new_string(bl_record_value(rec, i)));
        return o;
}

void print_record_list_json(const bl_record_list *list)
{
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < bl_record_list_count(list); i++)
                json_object_array_add(a, record_json(bl_record_list_get(list, i)));
        printf("%s\n", json_object_to_json_string_ext(a, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(a);
}

void print_record(const bl_record *rec, bool json)
{
        if (json) {
                json_object *o = record_json(rec);
                printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
                json_object_put(o);
                return;
        }
        for (size_t i = 0; i < bl_record_count(rec); i++)
                printf("%s: %s\n", bl_record_key(rec, i), bl_record_value(rec, i));
}
