/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* login and logout: the credentials checked against the registry, then
 * kept in the auth file docker, podman and skopeo read (mode 0600). */
#include <json-c/json.h>
#include <libgen.h>
#include <strings.h>
#include <sys/stat.h>

#include <baleine/baleine.h>

#include "registry.h"

static int save(bl_ctx *ctx, const char *registry, const char *auth_b64, const char *what)
{
        _cleanup_free_ char *file = auth_file_path(), *text = NULL;
        if (!file)
                return ctx_fail(ctx, ENOENT, "%s: no auth file (HOME unset)", what);
        json_object *o = read_file(file, &text, NULL) == 0 ? json_tokener_parse(text) : NULL, *auths = NULL;
        if (!o || !json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                o = json_object_new_object();
        }
        if (!json_object_object_get_ex(o, "auths", &auths) || !json_object_is_type(auths, json_type_object)) {
                auths = json_object_new_object();
                json_object_object_add(o, "auths", auths);
        }
        if (auth_b64) {
                json_object *e = json_object_new_object();
                json_object_object_add(e, "auth", json_object_new_string(auth_b64));
                json_object_object_add(auths, registry, e);
        } else
                json_object_object_del(auths, registry);
        const char *out = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        _cleanup_free_ char *copy = strdup(file);
        int r = 0;
        if (!copy || mkdir_p(dirname(copy), 0700) < 0 || write_file_atomic(file, out, strlen(out), 0600) < 0)
                r = ctx_fail(ctx, errno ? errno : ENOMEM, "%s: cannot write %s: %m", what, file);
        json_object_put(o);
        return r;
}

BL_EXPORT int bl_registry_login(bl_ctx *ctx, const char *registry, const char *user, const char *password, unsigned flags)
{
        ctx_begin_call(ctx);
        char what[300];
        snprintf(what, sizeof(what), "login %.200s", registry ? registry : "");
        if (!registry || !*registry || strpbrk(registry, "/@ ") || !user || !*user || strchr(user, ':') || !password)
                return ctx_fail(ctx, EINVAL, "%s: give a registry (HOST[:PORT]), a user (no ':') and a password", what);
        _cleanup_free_ char *pair = strdup_printf("%s:%s", user, password);
        _cleanup_free_ char *b64 = pair ? base64_encode(pair, strlen(pair)) : NULL;
        if (!b64)
                return -ENOMEM;
        /* try them: a challenge answered with these credentials, on /v2/ */
        _cleanup_free_ char *probe = strdup_printf("%s/baleine-login-check", registry);
        struct client c;
        int r = client_open(ctx, &c, probe, flags, "pull", what);
        if (r < 0) {
                client_close(&c);
                return r;
        }
        _cleanup_free_ char *ping = strdup_printf("%.*s/v2/", (int) (strstr(c.base, "/v2/") - c.base), c.base);
        _cleanup_free_ char *hdr = strdup_printf("Authorization: Basic %s", b64);
        const char *headers[] = { hdr, NULL };
        struct http_request req = { .url = ping, .headers = headers, .out_fd = -1, .max_body = 1 << 20,
                                    .insecure = c.insecure, .ca_file = c.ca_file };
        struct http_response res;
        if (!ping || !hdr || (r = http_perform(ctx, &req, &res)) < 0)
                goto out;
        if (res.status == 401 && res.www_authenticate && strncasecmp(res.www_authenticate, "Bearer", 6) == 0) {
                /* a token server: the credentials are good when it grants a token */
                _cleanup_free_ char *tok = NULL;
                r = auth_answer_with(ctx, what, res.www_authenticate, registry, pair, NULL, c.insecure, c.ca_file, &tok);
        } else if (res.status != 200)
                r = ctx_fail(ctx, EACCES, "%s: the registry refused these credentials (HTTP %ld%s%s)", what, res.status,
                             *res.error ? ": " : "", res.error);
        http_response_free(&res);
        if (r == 0)
                r = save(ctx, reference_host_name(&c.ref), b64, what);
out:
        client_close(&c);
        return r;
}

BL_EXPORT int bl_registry_logout(bl_ctx *ctx, const char *registry)
{
        ctx_begin_call(ctx);
        char what[300];
        snprintf(what, sizeof(what), "logout %.200s", registry ? registry : "");
        if (!registry || !*registry)
                return ctx_fail(ctx, EINVAL, "%s: give a registry", what);
        _cleanup_free_ char *cred = auth_lookup(registry);
        if (!cred)
                return ctx_fail(ctx, ENOENT, "%s: not logged in", what);
        return save(ctx, registry, NULL, what);
}
