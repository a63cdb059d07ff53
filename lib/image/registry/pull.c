/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * image pull: the manifest (an index or manifest list: its linux/amd64
 * entry, or the platform asked for), then the config and layers into the blob cache, each verified
 * against its digest as it streams.  The image is then made by the
 * import path from an OCI layout whose blobs are hard links into the
 * cache: the same checks (diff_ids, limits, safe extraction) as for an
 * archive, and no second copy of a layer.
 */
#include <stdbool.h>
#include <json-c/json.h>
#include <sys/stat.h>
#include <unistd.h>

#include <baleine/baleine.h>

#include "image/image.h"
#include "registry.h"
#include "store/store.h"

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"

static const char *jstr(json_object *o, const char *key)
{
        json_object *v;
        return o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static json_object *jarray(json_object *o, const char *key)
{
        json_object *v;
        return o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_array) ? v : NULL;
}

static uint64_t jsize(json_object *o)
{
        json_object *v;
        return o && json_object_object_get_ex(o, "size", &v) && json_object_is_type(v, json_type_int) && json_object_get_int64(v) > 0
                       ? (uint64_t) json_object_get_int64(v)
                       : 0;
}

/* GET manifests/<ref>: its bytes checked against `want` (a digest) or
 * against what the registry says its digest is. */
static int fetch_manifest(struct client *c, const char *ref, const char *want, char **ret_body, size_t *ret_len, char digest[72])
{
        static const char *const headers[] = {
                "Accept: " MT_OCI_INDEX ", " MT_DOCKER_LIST ", " MT_OCI_MANIFEST ", " MT_DOCKER_MANIFEST, NULL
        };
        _cleanup_free_ char *path = strdup_printf("/manifests/%s", ref);
        struct http_request req = { .headers = headers, .out_fd = -1, .max_body = 4 << 20 };
        struct http_response res;
        int r = client_request(c, &req, path, &res);
        if (r < 0)
                return r;
        if (res.status != 200 || *res.error || !res.body) {
                r = client_fail(c, &res, res.status == 404 ? "no such image (manifest unknown)" : "manifest");
                http_response_free(&res);
                return r;
        }
        digest_buffer(res.body, res.body_len, digest);
        if (want && strcmp(digest, want) != 0)
                r = ctx_fail(c->ctx, EBADMSG, "%s: manifest %.19s… does not match its digest (got %.19s…)", c->what, want, digest);
        else if (res.docker_digest && digest_valid(res.docker_digest) && strcmp(res.docker_digest, digest) != 0)
                r = ctx_fail(c->ctx, EBADMSG, "%s: the manifest does not match the digest the registry gives (%.19s…)", c->what,
                             res.docker_digest);
        if (r == 0) {
                *ret_body = steal_ptr(&res.body);
                *ret_len = res.body_len;
        }
        http_response_free(&res);
        return r;
}

/* The platform of an index entry as OS/ARCH[/VARIANT] (NULL: none or too long). */
static bool entry_platform(json_object *d, char *buf, size_t size)
{
        json_object *p = NULL;
        json_object_object_get_ex(d, "platform", &p);
        const char *os = jstr(p, "os"), *arch = jstr(p, "architecture"), *variant = jstr(p, "variant");
        if (!os || !arch)
                return false;
        int n = snprintf(buf, size, "%s/%s%s%s", os, arch, variant ? "/" : "", variant ? variant : "");
        return n > 0 && (size_t) n < size;
}

/* The manifest of `platform` (OS/ARCH[/VARIANT]; without a variant any
 * variant of OS/ARCH) in an index, or NULL. */
static const char *pick_platform(json_object *index, const char *platform)
{
        json_object *m = jarray(index, "manifests");
        size_t plen = strlen(platform);
        bool has_variant = strchr(strchr(platform, '/') + 1, '/') != NULL;
        for (size_t i = 0; m && i < json_object_array_length(m); i++) {
                json_object *d = json_object_array_get_idx(m, i);
                char p[128];
                if (!entry_platform(d, p, sizeof(p)) || !digest_valid(jstr(d, "digest")))
                        continue;
                if (strcmp(p, platform) == 0 || (!has_variant && strncmp(p, platform, plen) == 0 && p[plen] == '/'))
                        return jstr(d, "digest");
        }
        return NULL;
}

/* "linux/amd64, linux/arm64/v8": what an index offers, for the error. */
static void index_platforms(json_object *index, char *buf, size_t size)
{
        json_object *m = jarray(index, "manifests");
        size_t used = 0;
        buf[0] = 0;
        for (size_t i = 0; m && i < json_object_array_length(m) && used < size; i++) {
                char p[128];
                if (!entry_platform(json_object_array_get_idx(m, i), p, sizeof(p)))
                        continue;
                int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", p);
                if (n < 0)
                        break;
                used += (size_t) n;
        }
        if (!buf[0])
                snprintf(buf, size, "none");
}

/* OS/ARCH or OS/ARCH/VARIANT, each part [a-z0-9_.-]+. */
static bool platform_valid(const char *platform)
{
        int parts = 1;
        if (!platform || !*platform || strlen(platform) > 100 || *platform == '/')
                return false;
        for (const char *s = platform; *s; s++) {
                if (*s == '/') {
                        if (s[1] == '/' || s[1] == 0)
                                return false;
                        parts++;
                } else if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' || *s == '-'))
                        return false;
        }
        return parts == 2 || parts == 3;
}

static int link_blob(bl_ctx *ctx, const char *layout, const char *digest, const char *what)
{
        _cleanup_free_ char *from = blobcache_path(ctx, digest), *to = strdup_printf("%s/blobs/sha256/%s", layout, digest + 7);
        if (!from || !to)
                return -ENOMEM;
        if (link(from, to) < 0 && errno != EEXIST)
                return ctx_fail(ctx, errno, "%s: cannot link blob %.19s… into %s: %m", what, digest, layout);
        return 0;
}

static char *default_name(const struct reference *ref)
{
        const char *base = strrchr(ref->repository, '/') ? strrchr(ref->repository, '/') + 1 : ref->repository;
        return strdup(base);
}

BL_EXPORT int bl_image_pull(bl_ctx *ctx, const char *reference, const char *name, unsigned flags, char **ret_digest)
{
        return bl_image_pull_platform(ctx, reference, name, NULL, flags, ret_digest);
}

BL_EXPORT int bl_image_pull_platform(bl_ctx *ctx, const char *reference, const char *name, const char *platform,
                                     unsigned flags, char **ret_digest)
{
        ctx_begin_call(ctx);
        if (ret_digest)
                *ret_digest = NULL;
        char what[600];
        snprintf(what, sizeof(what), "pull %.500s", reference ? reference : "");
        struct client c;
        _cleanup_free_ char *image_name = NULL, *layout = NULL, *body = NULL, *tagref = NULL;
        _cleanup_free_ char *blobs = NULL, *mpath = NULL, *index = NULL, *ipath = NULL, *existing = NULL;
        _cleanup_strv_ char **used = NULL;
        json_object *man = NULL;
        size_t len = 0;
        char mdigest[72];
        if (!platform)
                platform = "linux/amd64";
        if (!platform_valid(platform))
                return ctx_fail(ctx, EINVAL, "%s: bad platform \"%.100s\" (OS/ARCH[/VARIANT])", what, platform);
        int r = lazylibs_check(ctx, what);
        if (r < 0 || (r = store_init(ctx)) < 0)
                return r;
        if ((r = client_open(ctx, &c, reference, flags, "pull", what)) < 0)
                goto out;
        image_name = name ? strdup(name) : default_name(&c.ref);
        if (!image_name || (r = bl_name_check(ctx, "image", image_name)) < 0)
                goto out;
        existing = image_file(ctx, image_name);
        if (existing && path_exists(existing)) {
                /* said before any download */
                r = ctx_fail(ctx, EEXIST, "%s: image \"%s\" already exists", what, image_name);
                goto out;
        }
        tagref = strdup_printf("%s/%s%s%s", reference_host_name(&c.ref), c.ref.repository, c.ref.digest ? "@" : ":",
                               c.ref.digest ? c.ref.digest : c.ref.tag);
        if (c.ref.expanded)
                ctx_log(ctx, BL_LOG_WARNING, "\"%s\" is a short name: pulling %s", reference, tagref);
        if ((r = fetch_manifest(&c, c.ref.digest ? c.ref.digest : c.ref.tag, c.ref.digest, &body, &len, mdigest)) < 0)
                goto out;
        for (int depth = 0;; depth++) {
                man = json_tokener_parse(body);
                if (!man || !json_object_is_type(man, json_type_object)) {
                        r = ctx_fail(ctx, EBADMSG, "%s: the manifest is not a JSON object", what);
                        goto out;
                }
                if (!jarray(man, "manifests"))
                        break;
                const char *next = pick_platform(man, platform);
                if (depth > 0) {
                        r = ctx_fail(ctx, ENOENT, "%s: nested indexes", what);
                        goto out;
                }
                if (!next) {
                        char offered[400];
                        index_platforms(man, offered, sizeof(offered));
                        r = ctx_fail(ctx, ENOENT, "%s: no %s image in the index (it offers %s)", what, platform, offered);
                        goto out;
                }
                char want[72];
                snprintf(want, sizeof(want), "%s", next);
                json_object_put(man);
                man = NULL;
                free(body);
                body = NULL;
                if ((r = fetch_manifest(&c, want, want, &body, &len, mdigest)) < 0)
                        goto out;
        }
        json_object *v;
        if (json_object_object_get_ex(man, "schemaVersion", &v) && json_object_get_int(v) != 2) {
                r = ctx_fail(ctx, EPROTO, "%s: manifest schema %d is not supported (schema 2 and OCI are)", what, json_object_get_int(v));
                goto out;
        }
        json_object *config = NULL, *layers = jarray(man, "layers");
        json_object_object_get_ex(man, "config", &config);
        const char *cdig = jstr(config, "digest");
        if (!digest_valid(cdig) || !layers) {
                r = ctx_fail(ctx, EBADMSG, "%s: the manifest names no config or no layers", what);
                goto out;
        }
        size_t n = json_object_array_length(layers);
        /* every download is bounded by the size its descriptor gives: a
         * server cannot fill the disk with a blob that never ends */
        for (size_t i = 0; i <= n; i++) {
                json_object *d = i < n ? json_object_array_get_idx(layers, i) : config;
                if (!jsize(d)) {
                        r = ctx_fail(ctx, EBADMSG, "%s: the manifest gives no size for blob %.19s…", what,
                                     jstr(d, "digest") ? jstr(d, "digest") : "(none)");
                        goto out;
                }
        }
        if ((r = blobcache_fetch(&c, cdig, jsize(config), "config")) < 0)
                goto out;
        strv_push(&used, cdig);
        for (size_t i = 0; i < n; i++) {
                json_object *l = json_object_array_get_idx(layers, i);
                const char *d = jstr(l, "digest");
                char label[64];
                snprintf(label, sizeof(label), "layer %zu/%zu %.19s", i + 1, n, d ? d + 7 : "?");
                _cleanup_free_ char *cached = blobcache_path(ctx, d);
                bool had = cached && path_exists(cached);
                if ((r = blobcache_fetch(&c, d, jsize(l), label)) < 0)
                        goto out;
                ctx_log(ctx, BL_LOG_INFO, "%s: %s %s", what, label, had ? "already cached" : "downloaded");
                strv_push(&used, d);
        }
        /* an OCI layout of hard links into the cache, imported */
        /* a work folder with its owner's record: check leaves it while we live */
        layout = staging_folder(ctx, "pull", image_name);
        if (!layout) {
                r = ctx_fail(ctx, EIO, "%s: cannot make a work folder", what);
                goto out;
        }
        blobs = strdup_printf("%s/blobs/sha256", layout);
        mpath = strdup_printf("%s/blobs/sha256/%s", layout, mdigest + 7);
        index = strdup_printf("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu,"
                                                   "\"annotations\":{\"io.containerd.image.name\":\"%s\"}}]}",
                                                   jstr(man, "mediaType") ? jstr(man, "mediaType") : MT_OCI_MANIFEST, mdigest, len, tagref);
        ipath = strdup_printf("%s/index.json", layout);
        if (!blobs || !mpath || !index || !ipath || mkdir_p(blobs, 0700) < 0 || write_file_atomic(mpath, body, len, 0600) < 0 ||
            write_file_atomic(ipath, index, strlen(index), 0600) < 0) {
                r = ctx_fail(ctx, errno ? errno : ENOMEM, "%s: cannot write the layout in %s", what, layout);
                goto out;
        }
        for (size_t i = 0; used[i]; i++)
                if ((r = link_blob(ctx, layout, used[i], what)) < 0)
                        goto out;
        strv_push(&used, mdigest);
        if ((r = bl_image_import(ctx, image_name, layout, NULL)) < 0)
                goto out;
        if ((r = blobcache_refs_save(ctx, image_name, used)) < 0)
                goto out;
        if (ret_digest && !(*ret_digest = strdup(mdigest)))
                r = -ENOMEM;
out:
        if (layout)
                rm_rf(layout);
        json_object_put(man);
        client_close(&c);
        return r;
}
