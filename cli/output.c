/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
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
        return record_json_typed(rec, NULL);
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

/* ------------------------------------------------------------ typed JSON */

/* How a record's text is typed in --json: numbers as numbers, yes/no as
 * booleans, the JSON arrays and objects the manifests keep as themselves.
 * A value that is not what its key says stays a string: nothing is lost. */
static const struct { const char *key; char kind; } key_kinds[] = {
        /* n: number, b: yes/no, j: JSON text */
        { "size", 'n' }, { "used", 'n' }, { "allocated", 'n' }, { "created", 'n' }, { "containers", 'n' },
        { "uptime", 'n' }, { "exit_signal", 'n' }, { "pid_starttime", 'n' }, { "restart_count", 'n' },
        { "restart_failures", 'n' }, { "memory_bytes", 'n' }, { "memory_limit", 'n' }, { "cpu_usec", 'n' },
        { "pids", 'n' }, { "disk_read_bytes", 'n' }, { "disk_write_bytes", 'n' },
        { "privileged", 'b' }, { "tty", 'b' }, { "auto_remove", 'b' }, { "stopped_by_user", 'b' }, { "restart_exhausted", 'b' },
        { "cmd", 'j' }, { "env", 'j' }, { "entrypoint", 'j' }, { "cap_add", 'j' }, { "cap_drop", 'j' },
        { "device_rules", 'j' }, { "exposed_ports", 'j' }, { "labels", 'j' },
};

static json_object *typed_value(const char *key, const char *v)
{
        char kind = 's';
        for (size_t i = 0; i < sizeof(key_kinds) / sizeof(key_kinds[0]); i++)
                if (strcmp(key_kinds[i].key, key) == 0)
                        kind = key_kinds[i].kind;
        if (kind == 'n' && *v) {
                char *end;
                errno = 0;
                long long n = strtoll(v, &end, 10);
                if (!*end && !errno)
                        return json_object_new_int64(n);
        } else if (kind == 'b' && (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0))
                return json_object_new_boolean(v[0] == 'y');
        else if (kind == 'j') {
                json_object *o = json_tokener_parse(v);
                if (o)
                        return o;
        }
        return json_object_new_string(v);
}

json_object *record_json_typed(const bl_record *rec, const char *const *skip)
{
        json_object *o = json_object_new_object();
        for (size_t i = 0; i < bl_record_count(rec); i++) {
                const char *k = bl_record_key(rec, i);
                bool skipped = false;
                for (const char *const *s = skip; s && *s && !skipped; s++)
                        skipped = strcmp(*s, k) == 0 || (strchr(*s, '*') && strncmp(*s, k, (size_t) (strchr(*s, '*') - *s)) == 0);
                if (!skipped)
                        json_object_object_add(o, k, typed_value(k, bl_record_value(rec, i)));
        }
        return o;
}

void print_json(json_object *o)
{
        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
}
