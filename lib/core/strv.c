/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <time.h>

#include "core.h"

char *strdup_or_null(const char *s)
{
        return s ? strdup(s) : NULL;
}

char *strdup_printf(const char *fmt, ...)
{
        char *s = NULL;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        return s;
}

size_t strv_length(char *const *v)
{
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

char **strv_copy(char *const *v)
{
        size_t n = strv_length(v);
        char **r = calloc(n + 1, sizeof(char *));
        if (!r)
                return NULL;
        for (size_t i = 0; i < n; i++)
                if (!(r[i] = strdup(v[i]))) {
                        strv_freep(&r);
                        return NULL;
                }
        return r;
}

int strv_push(char ***v, const char *s)
{
        size_t n = strv_length(*v);
        char *c = strdup(s);
        if (!c)
                return -ENOMEM;
        char **r = realloc(*v, (n + 2) * sizeof(char *));
        if (!r) {
                free(c);
                return -ENOMEM;
        }
        r[n] = c;
        r[n + 1] = NULL;
        *v = r;
        return 0;
}

bool strv_contains(char *const *v, const char *s)
{
        for (; v && *v; v++)
                if (strcmp(*v, s) == 0)
                        return true;
        return false;
}

bool startswith(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

int env_set(char ***env, const char *kv)
{
        const char *eq = strchr(kv, '=');
        if (!eq || eq == kv)
                return -EINVAL;
        size_t klen = (size_t) (eq - kv) + 1;
        for (char **p = *env; p && *p; p++)
                if (strncmp(*p, kv, klen) == 0) {
                        char *c = strdup(kv);
                        if (!c)
                                return -ENOMEM;
                        free(*p);
                        *p = c;
                        return 0;
                }
        return strv_push(env, kv);
}

uint64_t now_usec(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}
