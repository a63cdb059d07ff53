/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * HTTP with libcurl, opened with dlopen the first time a registry is
 * spoken to: most baleine commands never do, and linking it would make
 * each one load libcurl and its dozen dependencies (TLS, HTTP/2, LDAP...).
 */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <strings.h>
#include <unistd.h>

#include "registry.h"

static struct {
        void *lib;
        CURLcode (*global_init)(long);
        CURL *(*easy_init)(void);
        CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
        CURLcode (*easy_perform)(CURL *);
        CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
        void (*easy_cleanup)(CURL *);
        const char *(*easy_strerror)(CURLcode);
        struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
        void (*slist_free_all)(struct curl_slist *);
} curl;
static pthread_mutex_t curl_lock = PTHREAD_MUTEX_INITIALIZER;

static int curl_load(bl_ctx *ctx)
{
        static const char *const names[] = { "libcurl.so.4", "libcurl.so", NULL };
        int r = 0;
        pthread_mutex_lock(&curl_lock);
        for (size_t i = 0; !curl.lib && names[i]; i++)
                curl.lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (!curl.lib)
                r = ctx_fail(ctx, ENOENT, "registry: libcurl.so.4 cannot be loaded (Debian package libcurl4): %s", dlerror());
        else if (!curl.easy_init) {
#define SYM(field, name) *(void **) &curl.field = dlsym(curl.lib, name)
                SYM(global_init, "curl_global_init");
                SYM(easy_setopt, "curl_easy_setopt");
                SYM(easy_perform, "curl_easy_perform");
                SYM(easy_getinfo, "curl_easy_getinfo");
                SYM(easy_cleanup, "curl_easy_cleanup");
                SYM(easy_strerror, "curl_easy_strerror");
                SYM(slist_append, "curl_slist_append");
                SYM(slist_free_all, "curl_slist_free_all");
#undef SYM
                if (curl.global_init && curl.easy_setopt && curl.easy_perform && curl.easy_getinfo && curl.easy_cleanup &&
                    curl.easy_strerror && curl.slist_append && curl.slist_free_all) {
                        curl.global_init(CURL_GLOBAL_DEFAULT);
                        *(void **) &curl.easy_init = dlsym(curl.lib, "curl_easy_init");
                }
                if (!curl.easy_init)
                        r = ctx_fail(ctx, ENOENT, "registry: libcurl.so.4 lacks curl_easy_* functions");
        }
        pthread_mutex_unlock(&curl_lock);
        return r;
}

void http_response_free(struct http_response *r)
{
        free(r->body);
        free(r->www_authenticate);
        free(r->location);
        free(r->content_type);
        free(r->docker_digest);
        free(r->effective_url);
        memset(r, 0, sizeof(*r));
}

struct transfer {
        const struct http_request *req;
        struct http_response *res;
        bl_ctx *ctx;
        bool overflow, write_error;
        size_t cap;
        FILE *in;
};

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
        struct transfer *t = userdata;
        size_t len = size * n;
        uint64_t have = t->req->out_fd >= 0 ? t->res->written : t->res->body_len;
        uint64_t max = t->req->max_body ? t->req->max_body : (t->req->out_fd >= 0 ? UINT64_MAX : 16u << 20);
        if (have + len > max) {
                t->overflow = true;
                return 0;
        }
        if (t->req->out_fd >= 0) {
                size_t off = 0;
                while (off < len) {
                        ssize_t k = write(t->req->out_fd, data + off, len - off);
                        if (k < 0) {
                                t->write_error = true;
                                return 0;
                        }
                        off += (size_t) k;
                }
                if (t->req->hash)
                        EVP_DigestUpdate(t->req->hash, data, len);
                t->res->written += len;
                if (t->req->progress)
                        ctx_progress(t->ctx, t->req->progress, t->req->resume_from + t->res->written, t->req->expect_size);
                return len;
        }
        if (t->res->body_len + len + 1 > t->cap) {
                size_t cap = (t->res->body_len + len + 1) * 2;
                char *p = realloc(t->res->body, cap);
                if (!p)
                        return 0;
                t->res->body = p;
                t->cap = cap;
        }
        memcpy(t->res->body + t->res->body_len, data, len);
        t->res->body_len += len;
        t->res->body[t->res->body_len] = 0;
        return len;
}

/* A body is written to the file only when the answer is a success: the
 * status is known once the headers are, so the header callback decides. */
static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
        struct transfer *t = userdata;
        size_t len = size * n;
        if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
                /* a new response (after a redirect or 100): start again */
                const char *sp = memchr(data, ' ', len);
                t->res->status = sp ? strtol(sp + 1, NULL, 10) : 0;
                return len;
        }
        static const struct { const char *name; size_t off; } keep[] = {
                { "www-authenticate", offsetof(struct http_response, www_authenticate) },
                { "location", offsetof(struct http_response, location) },
                { "content-type", offsetof(struct http_response, content_type) },
                { "docker-content-digest", offsetof(struct http_response, docker_digest) },
        };
        const char *colon = memchr(data, ':', len);
        if (!colon)
                return len;
        size_t nlen = (size_t) (colon - data);
        for (size_t i = 0; i < ARRAY_SIZE(keep); i++) {
                if (strlen(keep[i].name) != nlen || strncasecmp(data, keep[i].name, nlen) != 0)
                        continue;
                const char *v = colon + 1, *end = data + len;
                while (v < end && (*v == ' ' || *v == '\t'))
                        v++;
                while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
                        end--;
                char **slot = (char **) ((char *) t->res + keep[i].off);
                free(*slot);
                *slot = strndup(v, (size_t) (end - v));
        }
        return len;
}

static size_t on_read(char *buf, size_t size, size_t n, void *userdata)
{
        struct transfer *t = userdata;
        return fread(buf, size, n, t->in);
}

/* the body goes to the file only for a 2xx answer: others are kept in memory */
static size_t on_body_gate(char *data, size_t size, size_t n, void *userdata)
{
        struct transfer *t = userdata;
        if (t->req->out_fd >= 0 && (t->res->status < 200 || t->res->status > 299)) {
                size_t len = size * n;
                if (t->res->body_len + len < 65536) {
                        char *p = realloc(t->res->body, t->res->body_len + len + 1);
                        if (!p)
                                return 0;
                        memcpy(p + t->res->body_len, data, len);
                        t->res->body = p;
                        t->res->body_len += len;
                        p[t->res->body_len] = 0;
                }
                return len;
        }
        return on_body(data, size, n, userdata);
}

int http_perform(bl_ctx *ctx, const struct http_request *req, struct http_response *res)
{
        memset(res, 0, sizeof(*res));
        int r = curl_load(ctx);
        if (r < 0)
                return r;
        CURL *h = curl.easy_init();
        if (!h)
                return ctx_fail(ctx, ENOMEM, "registry: curl_easy_init failed");
        struct transfer t = { .req = req, .res = res, .ctx = ctx };
        struct curl_slist *hdrs = NULL;
        for (size_t i = 0; req->headers && req->headers[i]; i++)
                hdrs = curl.slist_append(hdrs, req->headers[i]);
        const char *method = req->method ? req->method : "GET";
        curl.easy_setopt(h, CURLOPT_URL, req->url);
        curl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        curl.easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        /* blob stores answer with redirects; curl drops the Authorization
         * header when the host changes */
        curl.easy_setopt(h, CURLOPT_FOLLOWLOCATION, strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ? 1L : 0L);
        curl.easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
        curl.easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
        /* a stalled server: under 1 KB/s for 60 s ends the transfer */
        curl.easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
        curl.easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
        curl.easy_setopt(h, CURLOPT_USERAGENT, "baleine");
        curl.easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
        curl.easy_setopt(h, CURLOPT_HEADERDATA, &t);
        curl.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body_gate);
        curl.easy_setopt(h, CURLOPT_WRITEDATA, &t);
        if (req->insecure) {
                curl.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
                curl.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
        }
        if (req->ca_file)
                curl.easy_setopt(h, CURLOPT_CAINFO, req->ca_file);
        char range[64];
        if (req->resume_from) {
                snprintf(range, sizeof(range), "%llu-", (unsigned long long) req->resume_from);
                curl.easy_setopt(h, CURLOPT_RANGE, range);
        }
        if (strcmp(method, "HEAD") == 0)
                curl.easy_setopt(h, CURLOPT_NOBODY, 1L);
        else if (strcmp(method, "GET") != 0) {
                curl.easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
                if (req->body_file) {
                        t.in = fopen(req->body_file, "re");
                        if (!t.in) {
                                r = ctx_fail(ctx, errno, "registry: cannot read %s: %m", req->body_file);
                                goto out;
                        }
                        fseeko(t.in, 0, SEEK_END);
                        curl_off_t size = ftello(t.in);
                        rewind(t.in);
                        curl.easy_setopt(h, CURLOPT_UPLOAD, 1L);
                        curl.easy_setopt(h, CURLOPT_READFUNCTION, on_read);
                        curl.easy_setopt(h, CURLOPT_READDATA, &t);
                        curl.easy_setopt(h, CURLOPT_INFILESIZE_LARGE, size);
                        /* UPLOAD means PUT: the custom method still wins */
                        curl.easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
                        hdrs = curl.slist_append(hdrs, "Expect:");
                } else {
                        curl.easy_setopt(h, CURLOPT_POST, 1L);
                        curl.easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
                        curl.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) (req->body ? req->body_len : 0));
                        curl.easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
                }
        }
        curl.easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
        CURLcode cc = curl.easy_perform(h);
        res->curl_code = (int) cc;
        long status = 0;
        curl.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        if (status)
                res->status = status;
        char *eff = NULL;
        if (curl.easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff)
                res->effective_url = strdup(eff);
        if (t.overflow)
                snprintf(res->error, sizeof(res->error), "the answer is longer than announced");
        else if (t.write_error)
                snprintf(res->error, sizeof(res->error), "cannot write the download: %s", strerror(errno));
        else if (cc != CURLE_OK)
                snprintf(res->error, sizeof(res->error), "%s", curl.easy_strerror(cc));
out:
        if (t.in)
                fclose(t.in);
        curl.slist_free_all(hdrs);
        curl.easy_cleanup(h);
        return r;
}
