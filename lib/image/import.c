/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Images from Docker and OCI tooling: docker-archive (docker save, podman
 * save), OCI image layouts and OCI archives.  Every blob is checked against
 * its digest before any layer is applied.
 */
#include <archive.h>
#include <archive_entry.h>
#include <json-c/json.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "core/resolve.h"
#include "image.h"
#include "import.h"
#include "store/store.h"

void source_free(struct source *s)
{
        free(s->config_path);
        free(s->tag);
        for (size_t i = 0; i < s->nlayers; i++)
                free(s->layers[i].path);
}

static json_object *load_json(bl_ctx *ctx, const char *path, const char *what)
{
        _cleanup_free_ char *text = NULL;
        if (read_file(path, &text, NULL) < 0) {
                ctx_fail(ctx, ENOENT, "%s: cannot read %s", what, path);
                return NULL;
        }
        json_object *o = json_tokener_parse(text);
        if (!o)
                ctx_fail(ctx, EBADMSG, "%s: %s is not JSON", what, path);
        return o;
}

static const char *jstr(json_object *o, const char *key)
{
        json_object *v;
        return o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static json_object *jget(json_object *o, const char *key)
{
        json_object *v;
        return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* o[key] when it is an array, else NULL: json-c aborts the process when an
 * array function meets another type, and an archive chooses the types. */
static json_object *jarray(json_object *o, const char *key)
{
        json_object *v = jget(o, key);
        return v && json_object_is_type(v, json_type_array) ? v : NULL;
}

/* a[i] when it is a string, else NULL */
static const char *jstr_at(json_object *a, size_t i)
{
        json_object *v = json_object_array_get_idx(a, i);
        return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* dir/rel, when it stays inside dir: no "..", and no link of a layout
 * folder leading out of it (an unpacked archive holds no link at all). */
static char *confined(bl_ctx *ctx, const char *dir, const char *rel, const char *what)
{
        _cleanup_free_ char *full = strdup_printf("%s/%s", dir, rel);
        _cleanup_free_ char *real_dir = realpath(dir, NULL), *real = full ? realpath(full, NULL) : NULL;
        if (!full || !real_dir)
                return NULL;
        size_t n = strlen(real_dir);
        if (real && !(strncmp(real, real_dir, n) == 0 && real[n] == '/')) {
                ctx_fail(ctx, EPERM, "%s: \"%s\" leads out of the archive through a link", what, rel);
                return NULL;
        }
        return steal_ptr(&full);
}

/* A path named by the archive stays inside it. */
static char *inside(bl_ctx *ctx, const char *dir, const char *rel, const char *what)
{
        if (!rel || rel[0] == '/' || strstr(rel, "..")) {
                ctx_fail(ctx, EPERM, "%s: path \"%s\" leaves the archive", what, rel ? rel : "(none)");
                return NULL;
        }
        return confined(ctx, dir, rel, what);
}

static char *blob_path(bl_ctx *ctx, const char *dir, const char *digest, const char *what)
{
        if (!digest || !startswith(digest, "sha256:") || strlen(digest) != 71 || strchr(digest + 7, '/')) {
                ctx_fail(ctx, EBADMSG, "%s: unsupported digest \"%s\"", what, digest ? digest : "(none)");
                return NULL;
        }
        _cleanup_free_ char *rel = strdup_printf("blobs/sha256/%s", digest + 7);
        return rel ? confined(ctx, dir, rel, what) : NULL;
}

static bool tag_matches(const char *want, const char *have)
{
        if (!have)
                return false;
        if (strcmp(want, have) == 0)
                return true;
        /* "web:1" matches "docker.io/library/web:1" */
        size_t lw = strlen(want), lh = strlen(have);
        return lh > lw && strcmp(have + lh - lw, want) == 0 && have[lh - lw - 1] == '/';
}

static int too_many_images(bl_ctx *ctx, const char *what, const char *tags)
{
        return ctx_fail(ctx, EINVAL, "%s: holds several images; choose one with --tag (%s)", what, tags);
}

int read_docker(bl_ctx *ctx, struct source *s, const char *tag, const char *what)
{
        _cleanup_free_ char *mpath = strdup_printf("%s/manifest.json", s->dir);
        json_object *m = load_json(ctx, mpath, what);
        if (!m)
                return -EBADMSG;
        int r = 0;
        json_object *chosen = NULL;
        char tags[512] = "";
        size_t n = json_object_is_type(m, json_type_array) ? json_object_array_length(m) : 0;
        for (size_t i = 0; i < n; i++) {
                json_object *img = json_object_array_get_idx(m, i);
                json_object *rt = jarray(img, "RepoTags");
                for (size_t k = 0; rt && k < json_object_array_length(rt); k++) {
                        const char *t = jstr_at(rt, k);
                        if (!t)
                                continue;
                        snprintf(tags + strlen(tags), sizeof(tags) - strlen(tags), "%s%s", *tags ? ", " : "", t);
                        if (tag && tag_matches(tag, t) && !chosen) {
                                chosen = img;
                                free(s->tag);
                                s->tag = strdup(t);
                        }
                }
        }
        if (!tag && n == 1)
                chosen = json_object_array_get_idx(m, 0);
        else if (!tag && n > 1)
                r = too_many_images(ctx, what, tags);
        else if (!chosen)
                r = ctx_fail(ctx, ENOENT, "%s: no image tagged \"%s\" (has: %s)", what, tag ? tag : "", *tags ? tags : "none");
        if (r == 0 && !s->tag && jarray(chosen, "RepoTags") && jstr_at(jarray(chosen, "RepoTags"), 0))
                s->tag = strdup(jstr_at(jarray(chosen, "RepoTags"), 0));
        if (r == 0 && !(s->config_path = inside(ctx, s->dir, jstr(chosen, "Config"), what)))
                r = -EPERM;
        /* docker save names the config after its digest: check it */
        if (r == 0) {
                const char *c = jstr(chosen, "Config");
                const char *b = strrchr(c, '/') ? strrchr(c, '/') + 1 : c;
                if (strlen(b) >= 64 && strspn(b, "0123456789abcdef") == 64)
                        snprintf(s->config_digest, sizeof(s->config_digest), "sha256:%.64s", b);
        }
        json_object *layers = r == 0 ? jarray(chosen, "Layers") : NULL;
        for (size_t i = 0; layers && i < json_object_array_length(layers) && r == 0; i++) {
                if (s->nlayers == MAX_LAYERS) {
                        r = ctx_fail(ctx, E2BIG, "%s: more than %d layers", what, MAX_LAYERS);
                        break;
                }
                struct layer *l = &s->layers[s->nlayers];
                if (!(l->path = inside(ctx, s->dir, jstr_at(layers, i), what))) {
                        r = -EPERM;
                        break;
                }
                s->nlayers++;
        }
        json_object_put(m);
        s->format = "docker-archive";
        return r;
}

int read_oci(bl_ctx *ctx, struct source *s, const char *tag, const char *what)
{
        _cleanup_free_ char *ipath = strdup_printf("%s/index.json", s->dir);
        json_object *idx = load_json(ctx, ipath, what);
        if (!idx)
                return -EBADMSG;
        json_object *mans = jarray(idx, "manifests");
        size_t n = mans ? json_object_array_length(mans) : 0;
        json_object *chosen = NULL;
        char tags[512] = "";
        int r = 0;
        for (size_t i = 0; i < n; i++) {
                json_object *d = json_object_array_get_idx(mans, i);
                json_object *ann = jget(d, "annotations");
                const char *names[] = { jstr(ann, "io.containerd.image.name"), jstr(ann, "org.opencontainers.image.ref.name") };
                for (int k = 0; k < 2; k++) {
                        if (!names[k])
                                continue;
                        if (k == 0 || !names[0])
                                snprintf(tags + strlen(tags), sizeof(tags) - strlen(tags), "%s%s", *tags ? ", " : "", names[k]);
                        if (tag && !chosen && tag_matches(tag, names[k])) {
                                chosen = d;
                                s->tag = strdup(names[0] ? names[0] : names[k]);
                        }
                }
        }
        if (!tag && n == 1)
                chosen = json_object_array_get_idx(mans, 0);
        else if (!tag && n > 1)
                r = too_many_images(ctx, what, tags);
        else if (!chosen)
                r = ctx_fail(ctx, ENOENT, "%s: no image tagged \"%s\" (has: %s)", what, tag ? tag : "", *tags ? tags : "none");
        if (r < 0) {
                json_object_put(idx);
                return r;
        }
        if (!s->tag) {
                json_object *ann = jget(chosen, "annotations");
                const char *t = jstr(ann, "io.containerd.image.name") ? jstr(ann, "io.containerd.image.name")
                                                                        : jstr(ann, "org.opencontainers.image.ref.name");
                s->tag = t ? strdup(t) : NULL;
        }
        /* the manifest blob: checked, then read (an index inside: take linux/amd64) */
        char want[72];
        snprintf(want, sizeof(want), "%s", jstr(chosen, "digest") ? jstr(chosen, "digest") : "");
        json_object_put(idx);
        json_object *man = NULL;
        for (int depth = 0; depth < 2; depth++) {
                _cleanup_free_ char *mp = blob_path(ctx, s->dir, want, what);
                char got[72];
                if (!mp)
                        return -EBADMSG;
                if (digest_file(mp, got) < 0)
                        return ctx_fail(ctx, ENOENT, "%s: manifest blob %s is missing", what, want);
                if (strcmp(got, want) != 0)
                        return ctx_fail(ctx, EBADMSG, "%s: manifest %s does not match its digest (tampered)", what, want);
                man = load_json(ctx, mp, what);
                if (!man)
                        return -EBADMSG;
                json_object *sub = jarray(man, "manifests");
                if (!sub)
                        break;
                const char *next = NULL;
                for (size_t i = 0; i < json_object_array_length(sub); i++) {
                        json_object *p = jget(json_object_array_get_idx(sub, i), "platform");
                        const char *arch = jstr(p, "architecture");
                        if (!next || (arch && strcmp(arch, "amd64") == 0))
                                next = jstr(json_object_array_get_idx(sub, i), "digest");
                }
                snprintf(want, sizeof(want), "%s", next ? next : "");
                json_object_put(man);
                man = NULL;
        }
        if (!man)
                return ctx_fail(ctx, EBADMSG, "%s: nested indexes too deep", what);
        const char *cd = jstr(jget(man, "config"), "digest");
        if (!(s->config_path = blob_path(ctx, s->dir, cd, what))) {
                json_object_put(man);
                return -EBADMSG;
        }
        snprintf(s->config_digest, sizeof(s->config_digest), "%s", cd);
        json_object *layers = jarray(man, "layers");
        for (size_t i = 0; layers && i < json_object_array_length(layers); i++) {
                if (s->nlayers == MAX_LAYERS) {
                        r = ctx_fail(ctx, E2BIG, "%s: more than %d layers", what, MAX_LAYERS);
                        break;
                }
                const char *d = jstr(json_object_array_get_idx(layers, i), "digest");
                struct layer *l = &s->layers[s->nlayers];
                if (!(l->path = blob_path(ctx, s->dir, d, what))) {
                        r = -EBADMSG;
                        break;
                }
                snprintf(l->digest, sizeof(l->digest), "%s", d);
                s->nlayers++;
        }
        json_object_put(man);
        s->format = "oci";
        return r;
}

/* Unpacks an archive (docker-archive or OCI archive) into dir: its files
 * and folders only (an archive's links are never made, nor followed),
 * beneath dir's descriptor, within the size limit. */
int archive_unpack(bl_ctx *ctx, const char *file, const char *dir, uint64_t size, const char *what)
{
        struct stat fst;
        uint64_t archive_size = stat(file, &fst) == 0 ? (uint64_t) fst.st_size : 0;
        _cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return ctx_fail(ctx, errno, "%s: %s: %m", what, dir);
        struct extract x;
        extract_init(&x, ctx, dirfd, size);
        x.what = what;
        x.keep_meta = false;
        struct archive *a = archive_read_new();
        if (!a)
                return -ENOMEM;
        int r = 0, st;
        archive_read_support_filter_all(a);
        archive_read_support_format_tar(a);
        archive_read_support_format_gnutar(a);
        if (archive_read_open_filename(a, file, 1 << 16) != ARCHIVE_OK) {
                r = ctx_fail(ctx, EBADMSG, "%s: %s", what, archive_error_string(a));
                goto out;
        }
        struct archive_entry *e;
        while ((st = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
                int type = archive_entry_filetype(e);
                if ((type != AE_IFREG && type != AE_IFDIR) || archive_entry_hardlink(e))
                        continue;
                const char *name = archive_entry_pathname(e);
                _cleanup_free_ char *p = path_clean(name);
                if (!p) {
                        r = ctx_fail(ctx, EPERM, "%s: entry \"%s\" leaves the archive", what, name);
                        goto out;
                }
                if (!*p)
                        continue;
                if ((r = extract_entry(&x, a, e, p)) < 0)
                        goto out;
                ctx_progress(ctx, "unpack", (uint64_t) archive_filter_bytes(a, -1), archive_size);
        }
        if (st != ARCHIVE_EOF)
                r = ctx_fail(ctx, EBADMSG, "%s: %s", what, archive_error_string(a));
out:
        archive_read_free(a);
        return r;
}

static int verify(bl_ctx *ctx, struct source *s, json_object *config, uint64_t size, const char *what)
{
        char got[72];
        const char *why;
        uint64_t limit = extract_limit(ctx, size, &why);
        if (*s->config_digest) {
                if (digest_file(s->config_path, got) < 0 || strcmp(got, s->config_digest) != 0)
                        return ctx_fail(ctx, EBADMSG, "%s: config does not match its digest %s (tampered)", what, s->config_digest);
        }
        json_object *diff = jarray(jget(config, "rootfs"), "diff_ids");
        size_t ndiff = diff ? json_object_array_length(diff) : 0;
        if (ndiff != s->nlayers)
                return ctx_fail(ctx, EBADMSG, "%s: the config names %zu layers, the manifest %zu", what, ndiff, s->nlayers);
        for (size_t i = 0; i < s->nlayers; i++) {
                struct layer *l = &s->layers[i];
                snprintf(l->diff_id, sizeof(l->diff_id), "%s", jstr_at(diff, i) ? jstr_at(diff, i) : "");
                if (*l->digest) {
                        if (digest_file(l->path, got) < 0)
                                return ctx_fail(ctx, ENOENT, "%s: layer %zu (%s) is missing", what, i + 1, l->digest);
                        if (strcmp(got, l->digest) != 0)
                                return ctx_fail(ctx, EBADMSG, "%s: layer %zu (%s) does not match its digest (tampered)", what, i + 1, l->digest);
                }
                /* the uncompressed content must be what the config says (and
                 * hashing it stops at the limit the extraction would meet) */
                int k = digest_uncompressed_max(l->path, limit, got);
                if (k == -EFBIG) {
                        char lim[32];
                        format_size(limit, lim);
                        return ctx_fail(ctx, EFBIG, "%s: layer %zu: the content exceeds %s (%s)", what, i + 1, lim, why);
                }
                if (k < 0)
                        return ctx_fail(ctx, EBADMSG, "%s: layer %zu (%s) cannot be read", what, i + 1, l->path + strlen(s->dir) + 1);
                if (strcmp(got, l->diff_id) != 0)
                        return ctx_fail(ctx, EBADMSG, "%s: layer %zu (%s) does not match its diff_id %.19s… (tampered)", what, i + 1,
                                      l->path + strlen(s->dir) + 1, l->diff_id);
                ctx_progress(ctx, "verify", i + 1, s->nlayers);
        }
        return 0;
}

/* A JSON array of strings into a list; anything else: none. */
static int strings_of(json_object *v, char ***ret)
{
        if (!v || !json_object_is_type(v, json_type_array))
                return 0;
        size_t n = json_object_array_length(v);
        char **out = calloc(n + 1, sizeof(char *));
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(v, i);
                /* as before: a list that is not all strings is not taken */
                if (!json_object_is_type(e, json_type_string) || !(out[i] = strdup(json_object_get_string(e)))) {
                        strv_freep(&out);
                        return json_object_is_type(e, json_type_string) ? -ENOMEM : 0;
                }
        }
        *ret = out;
        return 0;
}

static int dup_nonempty(char **dst, const char *s)
{
        return !s || !*s || (*dst = strdup(s)) ? 0 : -ENOMEM;
}

/* The image config's keys a container takes, and where it came from. */
int config_keys(json_object *config, struct source *s, struct image_model *out)
{
        json_object *c = jget(config, "config");
        int r;
        if ((r = strings_of(jget(c, "Entrypoint"), &out->entrypoint)) < 0 || (r = strings_of(jget(c, "Cmd"), &out->cmd)) < 0 ||
            (r = strings_of(jget(c, "Env"), &out->env)) < 0 || (r = dup_nonempty(&out->workdir, jstr(c, "WorkingDir"))) < 0 ||
            (r = dup_nonempty(&out->user, jstr(c, "User"))) < 0)
                return r;
        json_object *ports = jget(c, "ExposedPorts");
        if (ports && json_object_is_type(ports, json_type_object)) {
                if (!(out->exposed_ports = calloc(1, sizeof(char *))))
                        return -ENOMEM;
                json_object_object_foreach(ports, k, v) {
                        (void) v;
                        if ((r = strv_push(&out->exposed_ports, k)) < 0)
                                return r;
                }
        }
        json_object *labels = jget(c, "Labels");
        if (labels && json_object_is_type(labels, json_type_object) &&
            !(out->labels = strdup(json_object_to_json_string_ext(labels, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE))))
                return -ENOMEM;
        if ((r = dup_nonempty(&out->tag, s->tag)) < 0 || (r = dup_nonempty(&out->digest, s->config_digest)) < 0 ||
            (r = dup_nonempty(&out->format, s->format)) < 0)
                return r;
        return 0;
}

BL_EXPORT int bl_image_import(bl_ctx *ctx, const char *name, const char *path, const bl_image_config *cfg)
{
        ctx_begin_call(ctx);
        int r = bl_name_check(ctx, "image", name);
        if (r < 0)
                return r;
        struct stat st;
        if (!path || stat(path, &st) < 0)
                return ctx_fail(ctx, ENOENT, "image \"%s\": cannot read \"%s\": %s", name, path ? path : "", strerror(errno));
        if ((r = lazylibs_check(ctx, "image import")) < 0)
                return r;
        const char *tag = cfg ? cfg->tag : NULL;
        uint64_t size = cfg ? cfg->size : 0;
        if ((r = store_init(ctx)) < 0 || (r = image_reserve(ctx, name, "import")) < 0)
                return r;
        char what[512];
        snprintf(what, sizeof(what), "image \"%s\": %s", name, path);
        _cleanup_free_ char *work = staging_folder(ctx, "image", name);
        _cleanup_free_ char *rootfs = NULL, *oci = NULL, *docker = NULL;
        _cleanup_image_model_ struct image_model keys = { 0 };
        struct source s = { 0 };
        json_object *config = NULL;
        _cleanup_close_ int rootfd = -1;
        bool made = false;
        if (!work) {
                r = -EIO;
                goto out;
        }
        made = true;
        rootfs = strdup_printf("%s/rootfs", work);
        mkdir(rootfs, 0755);
        if (S_ISDIR(st.st_mode))
                s.dir = strdup(path);
        else {
                s.dir = strdup_printf("%s/archive", work);
                mkdir(s.dir, 0700);
                if ((r = archive_unpack(ctx, path, s.dir, size, what)) < 0)
                        goto out;
        }
        oci = strdup_printf("%s/index.json", s.dir);
        docker = strdup_printf("%s/manifest.json", s.dir);
        if (!oci || !docker)
                r = -ENOMEM;
        else if (path_exists(docker))
                r = read_docker(ctx, &s, tag, what);
        else if (path_exists(oci))
                r = read_oci(ctx, &s, tag, what);
        else
                r = ctx_fail(ctx, EBADMSG, "%s: neither a docker archive (manifest.json) nor an OCI layout (index.json)", what);
        if (r < 0)
                goto out;
        if (!(config = load_json(ctx, s.config_path, what))) {
                r = -EBADMSG;
                goto out;
        }
        if ((r = verify(ctx, &s, config, size, what)) < 0)
                goto out;
        if ((rootfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
                r = ctx_fail(ctx, errno, "%s: %s: %m", what, rootfs);
                goto out;
        }
        struct extract x;
        extract_init(&x, ctx, rootfd, size);
        for (size_t i = 0; i < s.nlayers; i++) {
                char lw[600];
                snprintf(lw, sizeof(lw), "%s: layer %zu", what, i + 1);
                x.what = lw;
                /* what the layers below left, whiteouts and overwrites included */
                x.used = dir_usage_count(rootfs, &x.entries);
                if ((r = layer_apply(&x, s.layers[i].path)) < 0)
                        goto out;
                ctx_progress(ctx, "layers", i + 1, s.nlayers);
        }
        if ((r = staging_skeleton(ctx, rootfs)) < 0)
                goto out;
        if ((r = config_keys(config, &s, &keys)) < 0 || !(keys.source_arg = strdup(path))) {
                r = r < 0 ? r : -ENOMEM;
                goto out;
        }
        r = image_commit_staging(ctx, name, rootfs, size, "import", &keys);
out:
        if (config)
                json_object_put(config);
        source_free(&s);
        free(s.dir);
        if (made)
                rm_rf(work);
        if (r < 0)
                image_unreserve(ctx, name);
        return r;
}
