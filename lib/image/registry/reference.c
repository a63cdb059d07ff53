/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Image references as Docker reads them: [REGISTRY/]REPOSITORY[:TAG][@DIGEST].
 * The first component is a registry when it has a dot or a colon or is
 * "localhost"; a name without one is Docker Hub's (docker.io/library/…). */
#include "registry.h"

void reference_free(struct reference *r)
{
        free(r->registry);
        free(r->repository);
        free(r->tag);
        free(r->digest);
        memset(r, 0, sizeof(*r));
}

static bool repo_char_ok(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '/';
}

bool digest_valid(const char *d)
{
        return d && startswith(d, "sha256:") && strlen(d) == 71 && strspn(d + 7, "0123456789abcdef") == 64;
}

int reference_parse(bl_ctx *ctx, const char *text, struct reference *ret)
{
        memset(ret, 0, sizeof(*ret));
        if (!text || !*text || strlen(text) > 512)
                return ctx_fail(ctx, EINVAL, "reference \"%s\": empty or too long", text ? text : "");
        _cleanup_free_ char *s = strdup(text);
        if (!s)
                return -ENOMEM;
        char *at = strchr(s, '@');
        if (at) {
                *at = 0;
                if (!digest_valid(at + 1))
                        return ctx_fail(ctx, EINVAL, "reference \"%s\": \"%s\" is not a sha256 digest", text, at + 1);
                ret->digest = strdup(at + 1);
        }
        char *slash = strchr(s, '/');
        char *name = s;
        if (slash && (memchr(s, '.', (size_t) (slash - s)) || memchr(s, ':', (size_t) (slash - s)) ||
                      strncmp(s, "localhost/", 10) == 0)) {
                *slash = 0;
                ret->registry = strdup(s);
                name = slash + 1;
        }
        char *last = strrchr(name, '/');
        char *colon = strchr(last ? last : name, ':');
        if (colon) {
                *colon = 0;
                ret->tag = strdup(colon + 1);
                for (const char *p = ret->tag; *p; p++)
                        if (!(repo_char_ok(*p) || (*p >= 'A' && *p <= 'Z')) || *p == '/')
                                return reference_free(ret), ctx_fail(ctx, EINVAL, "reference \"%s\": bad tag", text);
                if (!*ret->tag || strlen(ret->tag) > 128)
                        return reference_free(ret), ctx_fail(ctx, EINVAL, "reference \"%s\": bad tag", text);
        } else if (!ret->digest)
                ret->tag = strdup("latest");
        if (!*name || name[0] == '/' || name[strlen(name) - 1] == '/' || strstr(name, "//") || strstr(name, ".."))
                return reference_free(ret), ctx_fail(ctx, EINVAL, "reference \"%s\": bad repository name", text);
        for (const char *p = name; *p; p++)
                if (!repo_char_ok(*p))
                        return reference_free(ret), ctx_fail(ctx, EINVAL, "reference \"%s\": bad repository name (lower case letters, digits, . _ - /)", text);
        if (!ret->registry || strcmp(ret->registry, "docker.io") == 0 || strcmp(ret->registry, "index.docker.io") == 0) {
                ret->expanded = !ret->registry;
                free(ret->registry);
                ret->registry = strdup("registry-1.docker.io");
                ret->repository = strchr(name, '/') ? strdup(name) : strdup_printf("library/%s", name);
        } else
                ret->repository = strdup(name);
        if (!ret->registry || !ret->repository || (!ret->tag && !ret->digest))
                return reference_free(ret), -ENOMEM;
        return 0;
}

const char *reference_host_name(const struct reference *r)
{
        return strcmp(r->registry, "registry-1.docker.io") == 0 ? "docker.io" : r->registry;
}
