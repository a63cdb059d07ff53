/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Credentials: the auth files docker, podman and skopeo share
 * ({"auths":{"HOST":{"auth":"base64(user:password)"}}}), and the answer
 * to a registry's WWW-Authenticate challenge: Basic with them, or Bearer
 * with a token from the realm the challenge names.
 */
#include <json-c/json.h>
#include <pwd.h>
#include <strings.h>
#include <unistd.h>

#include "registry.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *base64_encode(const char *data, size_t len)
{
        char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;
        if (!out)
                return NULL;
        const unsigned char *d = (const unsigned char *) data;
        for (size_t i = 0; i < len; i += 3) {
                unsigned v = (unsigned) d[i] << 16 | (i + 1 < len ? (unsigned) d[i + 1] << 8 : 0) | (i + 2 < len ? d[i + 2] : 0);
                *o++ = b64[v >> 18 & 63];
                *o++ = b64[v >> 12 & 63];
                *o++ = i + 1 < len ? b64[v >> 6 & 63] : '=';
                *o++ = i + 2 < len ? b64[v & 63] : '=';
        }
        *o = 0;
        return out;
}

char *base64_decode(const char *text, size_t *ret_len)
{
        size_t n = strlen(text);
        char *out = malloc(n / 4 * 3 + 4);
        size_t k = 0;
        unsigned v = 0;
        int bits = 0;
        if (!out)
                return NULL;
        for (size_t i = 0; i < n && text[i] != '='; i++) {
                const char *p = strchr(b64, text[i]);
                if (!p || !text[i]) {
                        free(out);
                        return NULL;
                }
                v = v << 6 | (unsigned) (p - b64);
                bits += 6;
                if (bits >= 8) {
                        bits -= 8;
                        out[k++] = (char) (v >> bits & 0xff);
                }
        }
        out[k] = 0;
        if (ret_len)
                *ret_len = k;
        return out;
}

static char *home_path(const char *rel)
{
        const char *home = getenv("HOME");
        struct passwd *pw = home ? NULL : getpwuid(getuid());
        if (!home && pw)
                home = pw->pw_dir;
        return home ? strdup_printf("%s/%s", home, rel) : NULL;
}

char *auth_file_path(void)
{
        const char *f = getenv("REGISTRY_AUTH_FILE");
        if (f && *f)
                return strdup(f);
        const char *xdg = getenv("XDG_RUNTIME_DIR");
        if (xdg && *xdg)
                return strdup_printf("%s/containers/auth.json", xdg);
        return home_path(".docker/config.json");
}

/* user:password for `registry` in one auth file */
static char *lookup_in(const char *file, const char *registry)
{
        _cleanup_free_ char *text = NULL;
        if (!file || read_file(file, &text, NULL) < 0)
                return NULL;
        json_object *o = json_tokener_parse(text), *auths, *entry, *auth;
        char *found = NULL;
        const char *names[] = { registry, strcmp(registry, "docker.io") == 0 ? "https://index.docker.io/v1/" : NULL };
        for (int i = 0; i < 2 && !found && names[i]; i++)
                if (o && json_object_object_get_ex(o, "auths", &auths) && json_object_object_get_ex(auths, names[i], &entry) &&
                    json_object_object_get_ex(entry, "auth", &auth) && json_object_is_type(auth, json_type_string))
                        found = base64_decode(json_object_get_string(auth), NULL);
        json_object_put(o);
        if (found && !strchr(found, ':')) {
                free(found);
                found = NULL;
        }
        return found;
}

char *auth_lookup(const char *registry)
{
        const char *xdg = getenv("XDG_RUNTIME_DIR");
        _cleanup_free_ char *f1 = getenv("REGISTRY_AUTH_FILE") ? strdup(getenv("REGISTRY_AUTH_FILE")) : NULL;
        _cleanup_free_ char *f2 = xdg ? strdup_printf("%s/containers/auth.json", xdg) : NULL;
        _cleanup_free_ char *f3 = home_path(".docker/config.json");
        const char *files[] = { f1, f2, f3 };
        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                char *c = lookup_in(files[i], registry);
                if (c)
                        return c;
        }
        return NULL;
}

/* The value of key="…" in a challenge, or NULL. */
static char *challenge_param(const char *ch, const char *key)
{
        size_t n = strlen(key);
        for (const char *p = ch; (p = strstr(p, key)); p += n) {
                if ((p != ch && p[-1] != ' ' && p[-1] != ',') || p[n] != '=')
                        continue;
                const char *v = p + n + 1;
                if (*v == '"') {
                        const char *e = strchr(v + 1, '"');
                        return e ? strndup(v + 1, (size_t) (e - v - 1)) : NULL;
                }
                return strndup(v, strcspn(v, ", "));
        }
        return NULL;
}

static char *url_escape(const char *s)
{
        char *out = malloc(strlen(s) * 3 + 1), *o = out;
        if (!out)
                return NULL;
        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-_.~", c))
                        *o++ = (char) c;
                else
                        o += sprintf(o, "%%%02X", c);
        }
        *o = 0;
        return out;
}

int auth_answer(bl_ctx *ctx, const char *what, const char *ch, const char *registry, const char *scope, bool insecure,
                const char *ca_file, char **ret)
{
        _cleanup_free_ char *cred = auth_lookup(registry);
        return auth_answer_with(ctx, what, ch, registry, cred, scope, insecure, ca_file, ret);
}

int auth_answer_with(bl_ctx *ctx, const char *what, const char *ch, const char *registry, const char *cred, const char *scope,
                     bool insecure, const char *ca_file, char **ret)
{
        _cleanup_free_ char *basic = cred ? base64_encode(cred, strlen(cred)) : NULL;
        *ret = NULL;
        if (!ch)
                return ctx_fail(ctx, EACCES, "%s: access denied (no challenge to answer)", what);
        if (strncasecmp(ch, "Basic", 5) == 0) {
                if (!basic)
                        return ctx_fail(ctx, EACCES, "%s: the registry asks for credentials (baleine login %s)", what, registry);
                *ret = strdup_printf("Authorization: Basic %s", basic);
                return *ret ? 0 : -ENOMEM;
        }
        if (strncasecmp(ch, "Bearer", 6) != 0)
                return ctx_fail(ctx, EACCES, "%s: unsupported authentication \"%.40s\"", what, ch);
        _cleanup_free_ char *realm = challenge_param(ch, "realm"), *service = challenge_param(ch, "service");
        if (!realm || !(startswith(realm, "https://") || startswith(realm, "http://")))
                return ctx_fail(ctx, EACCES, "%s: the token challenge names no usable realm", what);
        _cleanup_free_ char *es = service ? url_escape(service) : NULL, *esc = scope ? url_escape(scope) : NULL;
        _cleanup_free_ char *url = strdup_printf("%s%s%s%s%s%s", realm, strchr(realm, '?') ? "&" : "?", esc ? "scope=" : "",
                                                 esc ? esc : "", es ? (esc ? "&service=" : "service=") : "", es ? es : "");
        _cleanup_free_ char *hdr = basic ? strdup_printf("Authorization: Basic %s", basic) : NULL;
        const char *headers[] = { hdr, NULL };
        struct http_request req = { .url = url, .headers = headers, .out_fd = -1, .insecure = insecure, .ca_file = ca_file,
                                    .max_body = 1 << 20 };
        struct http_response res;
        int r = http_perform(ctx, &req, &res);
        if (r < 0)
                return r;
        if (*res.error || res.status != 200) {
                char why[300];
                if (*res.error)
                        snprintf(why, sizeof(why), "%s", res.error);
                else
                        snprintf(why, sizeof(why), "HTTP %ld", res.status);
                r = ctx_fail(ctx, EACCES, "%s: the token server %s refused: %s", what, realm, why);
                http_response_free(&res);
                return r;
        }
        json_object *o = res.body ? json_tokener_parse(res.body) : NULL, *tok = NULL;
        if (!(json_object_object_get_ex(o, "token", &tok) || json_object_object_get_ex(o, "access_token", &tok)) ||
            !json_object_is_type(tok, json_type_string) || strpbrk(json_object_get_string(tok), "\r\n"))
                r = ctx_fail(ctx, EACCES, "%s: the token server %s answered no token", what, realm);
        else if (!(*ret = strdup_printf("Authorization: Bearer %s", json_object_get_string(tok))))
                r = -ENOMEM;
        json_object_put(o);
        http_response_free(&res);
        return r;
}
