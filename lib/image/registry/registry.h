/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Images from and to registries (the OCI distribution API, v2): the
 * pieces pull.c and push.c share. */
#pragma once

#include <stdio.h>

#include "core/core.h"

/* reference.c: [REGISTRY/]REPOSITORY[:TAG][@DIGEST] */
struct reference {
        char *registry;         /* "127.0.0.1:5000", "registry-1.docker.io" */
        char *repository;       /* "library/busybox" */
        char *tag;              /* "latest" when neither tag nor digest is given */
        char *digest;           /* "sha256:…" or NULL */
        bool expanded;          /* a short name, resolved to docker.io/library/… */
};
int reference_parse(bl_ctx *ctx, const char *text, struct reference *ret);
void reference_free(struct reference *r);
/* "registry/repository" as Docker writes it (docker.io for Docker Hub) */
const char *reference_host_name(const struct reference *r);

/* http.c: libcurl, loaded with dlopen when a registry is first spoken to. */
struct http_request {
        const char *method;     /* "GET" (default), "HEAD", "PUT", "POST", "PATCH" */
        const char *url;
        const char *const *headers; /* NULL-terminated "Key: value" lines */
        const char *body;       /* sent as is (len body_len) */
        size_t body_len;
        const char *body_file;  /* or a file, streamed */
        /* the response body goes to out_fd when >= 0, else to a buffer */
        int out_fd;
        uint64_t resume_from;   /* Range: bytes=N- */
        void *hash;             /* EVP_MD_CTX fed with every body byte written to out_fd */
        uint64_t max_body;      /* a longer answer is cut short (a hostile server) */
        uint64_t expect_size;   /* progress total */
        const char *progress;   /* ctx_progress step name, or NULL */
        bool insecure;          /* no certificate check */
        const char *ca_file;    /* extra trust anchor, or NULL */
};
struct http_response {
        long status;
        char *body;             /* NUL-terminated, when not written to out_fd */
        size_t body_len;
        uint64_t written;       /* bytes written to out_fd */
        char *www_authenticate, *location, *content_type, *docker_digest, *effective_url;
        char error[256];        /* transport error, "" when the exchange completed */
        int curl_code;
};
void http_response_free(struct http_response *r);
/* One exchange; < 0 with a message only when libcurl cannot be loaded. */
int http_perform(bl_ctx *ctx, const struct http_request *req, struct http_response *ret);

/* auth.c: the credentials docker and podman keep, and the answer to a
 * registry's challenge. */
/* "user:password" for `registry` from the auth files, or NULL. */
char *auth_lookup(const char *registry);
/* The auth file login writes: $REGISTRY_AUTH_FILE,
 * $XDG_RUNTIME_DIR/containers/auth.json, else ~/.docker/config.json. */
char *auth_file_path(void);
/* An "Authorization: …" header for the challenge `www_authenticate`
 * (Basic, or Bearer: a token fetched from its realm for `scope`); -EACCES
 * with a message when the registry refuses. */
int auth_answer(bl_ctx *ctx, const char *what, const char *www_authenticate, const char *registry, const char *scope,
                bool insecure, const char *ca_file, char **ret_header);
/* The same with the credentials "user:password" given (NULL: none). */
int auth_answer_with(bl_ctx *ctx, const char *what, const char *www_authenticate, const char *registry, const char *cred,
                     const char *scope, bool insecure, const char *ca_file, char **ret_header);
char *base64_encode(const char *data, size_t len);
char *base64_decode(const char *text, size_t *ret_len);

/* client.c: a session with one registry repository */
struct client {
        bl_ctx *ctx;
        struct reference ref;
        const char *what;       /* names the reference in errors */
        char *base;             /* "https://host/v2/repo" */
        char *authorization;    /* "Authorization: …", or NULL */
        char *scope;            /* "repository:R:pull" or ":pull,push" */
        bool insecure;
        bool pinging;           /* GET /v2/: a 401 is an answer, not a challenge to meet */
        char *ca_file;
};
int client_open(bl_ctx *ctx, struct client *c, const char *reference, unsigned flags, const char *actions, const char *what);
void client_close(struct client *c);
/* An exchange with the registry: path relative to base (or an absolute
 * URL), answering one authentication challenge, and retrying 429 and 5xx
 * answers and broken transfers with back-off (bounded). */
int client_request(struct client *c, struct http_request *req, const char *path, struct http_response *ret);
/* A one-line error for an answer that is not the one wanted. */
int client_fail(struct client *c, const struct http_response *res, const char *doing);

/* blobcache.c: ROOT/blobs/sha256/<hex>, verified and shared by images */
char *blobcache_path(bl_ctx *ctx, const char *digest);
/* Fetches the blob into the cache (resuming a partial download); 0 when
 * there already. */
int blobcache_fetch(struct client *c, const char *digest, uint64_t size, const char *label);
/* Records which blobs image `name` came from (prune keeps them). */
int blobcache_refs_save(bl_ctx *ctx, const char *name, char *const *digests);
bool digest_valid(const char *digest);
