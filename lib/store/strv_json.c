/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <json-c/json.h>

#include "model.h"

char *argv_to_json(char *const argv[])
{
        json_object *a = json_object_new_array();
        if (!a)
                return NULL;
        for (size_t i = 0; argv && argv[i]; i++)
                json_object_array_add(a, json_object_new_string(argv[i]));
        char *s = strdup(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(a);
        return s;
}

int argv_from_json(const char *json, char ***ret)
{
        json_object *a = json_tokener_parse(json);
        if (!a || !json_object_is_type(a, json_type_array)) {
                json_object_put(a);
                return -EBADMSG;
        }
        size_t n = json_object_array_length(a);
        char **v = calloc(n + 1, sizeof(char *));
        if (!v) {
                json_object_put(a);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(a, i);
                if (!json_object_is_type(e, json_type_string) || !(v[i] = strdup(json_object_get_string(e)))) {
                        json_object_put(a);
                        strv_freep(&v);
                        return -EBADMSG;
                }
        }
        json_object_put(a);
        *ret = v;
        return 0;
}
