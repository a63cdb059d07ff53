/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * image push: the image as `image export --oci` makes it (one layer and
 * its config), each blob uploaded unless the registry has it (HEAD), with
 * the monolithic flow (POST an upload, PUT its content with the digest),
 * then the manifest under the tag.
 */
#include <json-c/json.h>
#include <sys/stat.h>

#include <baleine/baleine.h>

#include "image/image.h"
#include "image/import.h"
#include "registry.h"
#include "store/store.h"

static int upload_blob(struct client *c, const char *digest, const char *file, const char *label)
{
        _cleanup_free_ char *head = strdup_printf("/blobs/%s", digest);
        struct http_request req = { .method = "HEAD", .out_fd = -1 };
        struct http_response res;
        int r = client_request(c, &req, head, &res);
        if (r < 0)
                return r;
        bool have = res.status == 200 && !*res.error;
        http_response_free(&res);
        if (have) {
                ctx_log(c->ctx, BL_LOG_INFO, "%s: %s %.19s… already there", c->what, label, digest);
                return 0;
        }
        struct http_request post = { .method = "POST", .out_fd = -1, .max_body = 1 << 20 };
        if ((r = client_request(c, &post, "/blobs/uploads/", &res)) < 0)
                return r;
        if (res.status != 202 || !res.location || *res.error) {
                r = client_fail(c, &res, "starting an upload");
                http_response_free(&res);
                return r;
        }
        /* Location is absolute or relative to the registry's root */
        _cleanup_free_ char *root = strdup(c->base), *url = NULL;
        char *v2 = root ? strstr(root, "/v2/") : NULL;
        if (!v2) {
                http_response_free(&res);
                return -ENOMEM;
        }
        *v2 = 0;
        const char *loc = res.location;
        url = strdup_printf("%s%s%sdigest=%s", startswith(loc, "http://") || startswith(loc, "https://") ? "" : root, loc,
                            strchr(loc, '?') ? "&" : "?", digest);
        http_response_free(&res);
        if (!url)
                return -ENOMEM;
        static const char *const headers[] = { "Content-Type: application/octet-stream", NULL };
        struct http_request put = { .method = "PUT", .headers = headers, .body_file = file, .out_fd = -1, .max_body = 1 << 20 };
        if ((r = client_request(c, &put, url, &res)) < 0)
                return r;
        if (res.status != 201 || *res.error) {
                char doing[120];
                snprintf(doing, sizeof(doing), "uploading %s", label);
                r = client_fail(c, &res, doing);
        } else
                ctx_log(c->ctx, BL_LOG_INFO, "%s: %s %.19s… uploaded", c->what, label, digest);
        http_response_free(&res);
        return r;
}

BL_EXPORT int bl_image_push(bl_ctx *ctx, const char *name, const char *reference, unsigned flags, char **ret_digest)
{
        ctx_begin_call(ctx);
        if (ret_digest)
                *ret_digest = NULL;
        char what[600];
        snprintf(what, sizeof(what), "push %.60s to %.500s", name ? name : "", reference ? reference : "");
        _cleanup_image_model_ struct image_model img = { 0 };
        int r = image_load(ctx, name, &img);
        if (r < 0 || (r = lazylibs_check(ctx, what)) < 0)
                return r;
        struct client c;
        if ((r = client_open(ctx, &c, reference, flags, "pull,push", what)) < 0) {
                client_close(&c);
                return r;
        }
        if (c.ref.digest && !c.ref.tag) {
                client_close(&c);
                return ctx_fail(ctx, EINVAL, "%s: push to a tag, not a digest", what);
        }
        _cleanup_free_ char *work = staging_folder(ctx, "push", name), *tar = NULL, *dir = NULL, *text = NULL;
        _cleanup_free_ char *tagref = strdup_printf("%s/%s:%s", reference_host_name(&c.ref), c.ref.repository, c.ref.tag);
        _cleanup_free_ char *ipath = NULL, *mpath = NULL, *mpathref = NULL;
        struct source s = { 0 };
        json_object *idx = NULL;
        if (!work) {
                r = ctx_fail(ctx, EIO, "%s: cannot make a work folder", what);
                goto out;
        }
        tar = strdup_printf("%s/image.tar", work);
        dir = strdup_printf("%s/layout", work);
        if (!tar || !dir || mkdir(dir, 0700) < 0) {
                r = -ENOMEM;
                goto out;
        }
        /* export (our own, trusted output) then read back as any OCI layout */
        if ((r = bl_image_export(ctx, name, tar, tagref, BL_EXPORT_OCI_ARCHIVE)) < 0 || (r = archive_unpack(ctx, tar, dir, 0, what)) < 0)
                goto out;
        unlink(tar);
        s.dir = dir;
        if ((r = read_oci(ctx, &s, NULL, what)) < 0)
                goto out;
        for (size_t i = 0; i < s.nlayers; i++) {
                char label[32];
                snprintf(label, sizeof(label), "layer %zu/%zu", i + 1, s.nlayers);
                if ((r = upload_blob(&c, s.layers[i].digest, s.layers[i].path, label)) < 0)
                        goto out;
        }
        if ((r = upload_blob(&c, s.config_digest, s.config_path, "config")) < 0)
                goto out;
        /* the manifest the index names, sent as it is (its digest is the image's) */
        ipath = strdup_printf("%s/index.json", dir);
        if (!ipath || read_file(ipath, &text, NULL) < 0 || !(idx = json_tokener_parse(text))) {
                r = ctx_fail(ctx, EIO, "%s: cannot read the exported index", what);
                goto out;
        }
        json_object *mans, *d0, *dg;
        if (!json_object_object_get_ex(idx, "manifests", &mans) || !(d0 = json_object_array_get_idx(mans, 0)) ||
            !json_object_object_get_ex(d0, "digest", &dg) || !digest_valid(json_object_get_string(dg))) {
                r = ctx_fail(ctx, EIO, "%s: the exported index names no manifest", what);
                goto out;
        }
        char mdigest[72];
        snprintf(mdigest, sizeof(mdigest), "%s", json_object_get_string(dg));
        mpath = strdup_printf("%s/blobs/sha256/%s", dir, mdigest + 7);
        mpathref = strdup_printf("/manifests/%s", c.ref.tag);
        static const char *const headers[] = { "Content-Type: application/vnd.oci.image.manifest.v1+json", NULL };
        struct http_request put = { .method = "PUT", .headers = headers, .body_file = mpath, .out_fd = -1, .max_body = 1 << 20 };
        struct http_response res;
        if ((r = client_request(&c, &put, mpathref, &res)) < 0)
                goto out;
        if (res.status != 201 || *res.error)
                r = client_fail(&c, &res, "uploading the manifest");
        else if (res.docker_digest && strcmp(res.docker_digest, mdigest) != 0)
                r = ctx_fail(ctx, EBADMSG, "%s: the registry stored the manifest as %.19s…, not %.19s…", what, res.docker_digest, mdigest);
        http_response_free(&res);
        if (r == 0 && ret_digest && !(*ret_digest = strdup(mdigest)))
                r = -ENOMEM;
out:
        json_object_put(idx);
        s.dir = NULL;
        source_free(&s);
        if (work)
                rm_rf(work);
        client_close(&c);
        return r;
}
