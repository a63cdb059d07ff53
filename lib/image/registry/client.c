/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A session with one repository of a registry: where it is (https, or
 * http for an insecure one), the authorization it granted, and requests
 * retried when the server is busy or the transfer breaks. */
#include <time.h>
#include <unistd.h>

#include <baleine/baleine.h>

#include "registry.h"
#include "store/store.h"

void client_close(struct client *c)
{
        reference_free(&c->ref);
        free(c->base);
        free(c->authorization);
        free(c->ca_file);
        free(c->scope);
        memset(c, 0, sizeof(*c));
}

/* ROOT/certs.d/HOST/ca.crt, or /etc/containers/certs.d/HOST/ca.crt, or
 * /etc/docker/certs.d/HOST/ca.crt: a private CA for one registry. */
static char *find_ca(bl_ctx *ctx, const char *host)
{
        char *p = store_path(ctx, "certs.d/%s/ca.crt", host);
        if (p && path_exists(p))
                return p;
        free(p);
        const char *dirs[] = { "/etc/containers/certs.d", "/etc/docker/certs.d" };
        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
                p = strdup_printf("%s/%s/ca.crt", dirs[i], host);
                if (p && path_exists(p))
                        return p;
                free(p);
        }
        return NULL;
}

static void sleep_ms(long ms)
{
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
        nanosleep(&ts, NULL);
}

static bool busy(const struct http_response *res)
{
        return res->status == 429 || res->status >= 500;
}

int client_request(struct client *c, struct http_request *req, const char *path, struct http_response *res)
{
        _cleanup_free_ char *url = startswith(path, "http://") || startswith(path, "https://") ? strdup(path)
                                                                                                   : strdup_printf("%s%s", c->base, path);
        if (!url)
                return -ENOMEM;
        const char *extra[16];
        size_t n = 0;
        for (size_t i = 0; req->headers && req->headers[i] && n < ARRAY_SIZE(extra) - 2; i++)
                extra[n++] = req->headers[i];
        const char *const *orig = req->headers;
        req->url = url;
        req->insecure = c->insecure;
        req->ca_file = c->ca_file;
        bool answered = false;
        int r = 0;
        long delay = 200;
        for (int attempt = 0; attempt < 8; attempt++) {
                size_t k = n;
                if (c->authorization)
                        extra[k++] = c->authorization;
                extra[k] = NULL;
                req->headers = extra;
                r = http_perform(c->ctx, req, res);
                req->headers = orig;
                if (r < 0)
                        return r;
                if (res->status == 401 && !answered && !*res->error && !c->pinging) {
                        answered = true;
                        free(c->authorization);
                        c->authorization = NULL;
                        if ((r = auth_answer(c->ctx, c->what, res->www_authenticate, reference_host_name(&c->ref), c->scope,
                                             c->insecure, c->ca_file, &c->authorization)) < 0) {
                                http_response_free(res);
                                return r;
                        }
                        http_response_free(res);
                        continue;
                }
                /* busy or failing server, or a transfer broken before any byte was kept: again, later */
                if (attempt < 4 && (busy(res) || (*res->error && res->written == 0 && res->status != 401))) {
                        ctx_log(c->ctx, BL_LOG_INFO, "%s: %s %s: %s, retrying in %ld ms", c->what, req->method ? req->method : "GET", path,
                                *res->error ? res->error : "server busy", delay);
                        http_response_free(res);
                        sleep_ms(delay);
                        delay *= 2;
                        continue;
                }
                break;
        }
        return 0;
}

/* The registry's error, shortened: {"errors":[{"code":"…","message":"…"}]} */
int client_fail(struct client *c, const struct http_response *res, const char *doing)
{
        if (*res->error)
                return ctx_fail(c->ctx, EIO, "%s: %s: %s", c->what, doing, res->error);
        if (res->status == 401 || res->status == 403)
                return ctx_fail(c->ctx, EACCES, "%s: %s: access denied (HTTP %ld; wrong credentials? baleine login %s)", c->what, doing,
                         res->status, reference_host_name(&c->ref));
        return ctx_fail(c->ctx, res->status == 404 ? ENOENT : EIO, "%s: %s: HTTP %ld%s%.200s", c->what, doing, res->status,
                         res->body && res->body_len ? ": " : "", res->body && res->body_len ? res->body : "");
}

int client_open(bl_ctx *ctx, struct client *c, const char *reference, unsigned flags, const char *actions, const char *what)
{
        memset(c, 0, sizeof(*c));
        c->ctx = ctx;
        c->what = what;
        int r = reference_parse(ctx, reference, &c->ref);
        if (r < 0)
                return r;
        c->insecure = flags & BL_REGISTRY_INSECURE;
        c->ca_file = find_ca(ctx, c->ref.registry);
        if (!(c->scope = strdup_printf("repository:%s:%s", c->ref.repository, actions)))
                return -ENOMEM;
        for (int tls = 1; tls >= 0; tls--) {
                if (!tls && !c->insecure)
                        break;
                free(c->base);
                if (!(c->base = strdup_printf("%s://%s/v2/%s", tls ? "https" : "http", c->ref.registry, c->ref.repository)))
                        return -ENOMEM;
                _cleanup_free_ char *ping = strdup_printf("%s://%s/v2/", tls ? "https" : "http", c->ref.registry);
                struct http_request req = { .out_fd = -1, .max_body = 1 << 20 };
                struct http_response res;
                /* only where the registry is: a challenge is answered for a request that needs it */
                c->pinging = true;
                r = client_request(c, &req, ping, &res);
                c->pinging = false;
                if (r < 0)
                        return r;
                bool ok = !*res.error && (res.status == 200 || res.status == 401);
                if (!ok && (tls == 0 || !c->insecure)) {
                        r = client_fail(c, &res, "cannot reach the registry");
                        http_response_free(&res);
                        return r;
                }
                http_response_free(&res);
                if (ok)
                        return 0;
        }
        return ctx_fail(ctx, EIO, "%s: cannot reach the registry", what);
}

