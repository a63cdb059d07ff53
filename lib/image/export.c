/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An image as one layer that `docker load` and `podman load` accept, in
 * the docker-archive or the OCI archive format. */
#include <archive.h>
#include <archive_entry.h>
#include <json-c/json.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "core/owner.h"
#include "disk/disk.h"
#include "image.h"
#include "store/store.h"

/* The image's files as a tar, read from a read-only mount in a private
 * mount namespace (the kernel drops mount and loop device with it). */
static int image_to_layer(bl_ctx *ctx, const char *img, const char *mnt, const char *out, const char *what)
{
        int p[2];
        if (pipe(p) < 0)
                return ctx_fail(ctx, errno, "%s: pipe: %m", what);
        pid_t pid = fork();
        if (pid < 0)
                return ctx_fail(ctx, errno, "%s: fork: %m", what);
        if (pid == 0) {
                /* it writes into the work folder: it dies with the export */
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                close(p[0]);
                int loop_fd, nr;
                char dev[32];
                if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
                    loop_attach(ctx, img, true, &loop_fd, &nr) < 0)
                        goto fail;
                snprintf(dev, sizeof(dev), "/dev/loop%d", nr);
                if (mount(dev, mnt, "ext4", MS_RDONLY | MS_NODEV | MS_NOSUID | MS_NOEXEC, NULL) < 0) {
                        ctx_fail(ctx, errno, "%s: cannot mount the image: %m", what);
                        goto fail;
                }
                close(loop_fd);
                if (layer_write(ctx, mnt, out) < 0)
                        goto fail;
                /* success, said on the pipe: a caller that ignores SIGCHLD
                 * has this child reaped by the kernel, waitpid cannot tell */
                error_clear(&ctx->error);
        fail:
                (void) !write(p[1], &ctx->error, sizeof(ctx->error));
                _exit(ctx_has_error(ctx) ? 1 : 0);
        }
        close(p[1]);
        struct error child_err;
        ssize_t n;
        while ((n = read(p[0], &child_err, sizeof(child_err))) < 0 && errno == EINTR)
                ;
        close(p[0]);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        if (n != (ssize_t) sizeof(child_err))
                return ctx_fail(ctx, EIO, "%s: cannot read the image's files (its reader died)", what);
        if (!error_is_set(&child_err))
                return 0;
        child_err.msg[sizeof(child_err.msg) - 1] = 0;
        return ctx_error_adopt(ctx, &child_err);
}

static json_object *json_array_of(char *const *v)
{
        if (!v)
                return NULL;
        json_object *a = json_object_new_array();
        for (size_t i = 0; a && v[i]; i++)
                json_object_array_add(a, json_object_new_string(v[i]));
        return a;
}

static char *make_config(const struct image_model *img, const char *diff_id)
{
        json_object *c = json_object_new_object(), *cfg = json_object_new_object();
        const struct { char *const *v; const char *json; } arrays[] = {
                { img->entrypoint, "Entrypoint" }, { img->cmd, "Cmd" }, { img->env, "Env" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(arrays); i++) {
                json_object *a = json_array_of(arrays[i].v);
                if (a)
                        json_object_object_add(cfg, arrays[i].json, a);
        }
        if (!json_object_object_get_ex(cfg, "Env", NULL)) {
                json_object *env = json_object_new_array();
                json_object_array_add(env, json_object_new_string("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
                json_object_object_add(cfg, "Env", env);
        }
        if (img->workdir)
                json_object_object_add(cfg, "WorkingDir", json_object_new_string(img->workdir));
        if (img->user)
                json_object_object_add(cfg, "User", json_object_new_string(img->user));
        if (img->exposed_ports) {
                json_object *o = json_object_new_object();
                for (char **p = img->exposed_ports; *p; p++)
                        json_object_object_add(o, *p, json_object_new_object());
                json_object_object_add(cfg, "ExposedPorts", o);
        }
        json_object *labels = img->labels ? json_tokener_parse(img->labels) : NULL;
        if (labels)
                json_object_object_add(cfg, "Labels", labels);
        char created[32];
        time_t now = time(NULL);
        strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
        json_object_object_add(c, "architecture", json_object_new_string("amd64"));
        json_object_object_add(c, "os", json_object_new_string("linux"));
        json_object_object_add(c, "created", json_object_new_string(created));
        json_object_object_add(c, "config", cfg);
        json_object *rootfs = json_object_new_object(), *ids = json_object_new_array();
        json_object_array_add(ids, json_object_new_string(diff_id));
        json_object_object_add(rootfs, "type", json_object_new_string("layers"));
        json_object_object_add(rootfs, "diff_ids", ids);
        json_object_object_add(c, "rootfs", rootfs);
        json_object *hist = json_object_new_array(), *h = json_object_new_object();
        json_object_object_add(h, "created", json_object_new_string(created));
        json_object_object_add(h, "created_by", json_object_new_string("baleine image export"));
        json_object_array_add(hist, h);
        json_object_object_add(c, "history", hist);
        char *s = strdup(json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(c);
        return s;
}

static int add_bytes(struct archive *a, const char *name, const char *data, size_t len)
{
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t) len);
        archive_entry_set_mtime(e, time(NULL), 0);
        int r = archive_write_header(a, e) == ARCHIVE_OK && archive_write_data(a, data, len) == (la_ssize_t) len ? 0 : -EIO;
        archive_entry_free(e);
        return r;
}

static int add_file(struct archive *a, const char *name, const char *path)
{
        struct stat st;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0)
                return -errno;
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, st.st_size);
        archive_entry_set_mtime(e, time(NULL), 0);
        int r = archive_write_header(a, e) == ARCHIVE_OK ? 0 : -EIO;
        archive_entry_free(e);
        char buf[65536];
        ssize_t k;
        while (r == 0 && (k = read(fd, buf, sizeof(buf))) > 0)
                if (archive_write_data(a, buf, (size_t) k) != k)
                        r = -EIO;
        return r;
}

static char *oci_manifest(const char *config_digest, size_t config_size, const char *layer_digest, uint64_t layer_size)
{
        return strdup_printf("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                           "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":%zu},"
                           "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\",\"size\":%llu}]}",
                           config_digest, config_size, layer_digest, (unsigned long long) layer_size);
}

/* A record tmp/partial-XXXXXX of the state root that names `path`, with
 * this process as its owner and, when st is given, the file's identity
 * (core/owner.h); into *record when it is NULL, else made aside and
 * renamed over *record, so that a kill leaves one whole record or two. */
static int partial_record(bl_ctx *ctx, const char *image, const char *path, const struct stat *st, char **record)
{
        _cleanup_free_ char *p = store_path(ctx, "tmp/partial-XXXXXX");
        _cleanup_close_ int fd = p ? mkostemp(p, O_CLOEXEC) : -1;
        int r = fd < 0 ? (p ? -errno : -ENOMEM) : owner_write_fd(fd, "export", image, path, st);
        if (r == 0 && *record && rename(p, *record) < 0)
                r = -errno;
        if (r < 0) {
                if (fd >= 0)
                        unlink(p);
                return ctx_fail(ctx, r, "image \"%s\": export: cannot record %s in the state root: %s", image, path, strerror(-r));
        }
        if (!*record)
                *record = steal_ptr(&p);
        return 0;
}

/* DEST.partial lies outside the state root, where check cannot look: it
 * is made only once a record in tmp/ names it, and that record gains its
 * inode once it exists; check removes that very file (nothing else at
 * the path) once its owner is dead.  Why not O_TMPFILE + linkat: a
 * filesystem without it (NFS, vfat, FUSE) needs this anyway, and linkat
 * cannot replace an existing DEST atomically as rename does. */
static int partial_open(bl_ctx *ctx, const char *image, const char *file, char **ret_path, char **ret_record)
{
        _cleanup_free_ char *cwd = file[0] == '/' ? NULL : getcwd(NULL, 0);
        if (file[0] != '/' && !cwd)
                return ctx_fail(ctx, errno, "image \"%s\": export: cannot resolve %s: %m", image, file);
        _cleanup_free_ char *path = cwd ? strdup_printf("%s/%s.partial", cwd, file) : strdup_printf("%s.partial", file);
        if (!path)
                return -ENOMEM;
        int r = partial_record(ctx, image, path, NULL, ret_record);
        if (r < 0)
                return r;
        (void) unlink(path); /* an older run's, or another tool's: overwritten as before */
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0) {
                r = ctx_fail(ctx, errno, "image \"%s\": export: cannot write %s: %m", image, path);
                unlink(*ret_record);
                return r;
        }
        if ((r = partial_record(ctx, image, path, &st, ret_record)) < 0) {
                unlink(path);
                unlink(*ret_record);
                return r;
        }
        *ret_path = steal_ptr(&path);
        return steal_fd(&fd);
}

BL_EXPORT int bl_image_export(bl_ctx *ctx, const char *name, const char *file, const char *tag, bl_export_format format)
{
        ctx_begin_call(ctx);
        if (format != BL_EXPORT_DOCKER_ARCHIVE && format != BL_EXPORT_OCI_ARCHIVE)
                return ctx_fail(ctx, EINVAL, "image \"%s\": export format %d: neither docker-archive nor oci-archive", name, (int) format);
        bool oci = format == BL_EXPORT_OCI_ARCHIVE;
        _cleanup_image_model_ struct image_model img = { 0 };
        int r = image_load(ctx, name, &img);
        if (r < 0 || (r = lazylibs_check(ctx, "image export")) < 0)
                return r;
        if (!file || !*file)
                return ctx_fail(ctx, EINVAL, "image \"%s\": no output file given", name);
        _cleanup_free_ char *deftag = strdup_printf("%s:latest", name);
        if (!tag)
                tag = img.tag ? img.tag : deftag;
        if (strchr(tag, '"') || strchr(tag, '\\') || strchr(tag, ' '))
                return ctx_fail(ctx, EINVAL, "image \"%s\": tag \"%s\" is not a REPO:TAG", name, tag);
        char what[300];
        snprintf(what, sizeof(what), "image \"%s\": export", name);
        _cleanup_free_ char *work = staging_folder(ctx, "export", name);
        if (!work)
                return -EIO;
        _cleanup_free_ char *mnt = strdup_printf("%s/mnt", work), *layer = strdup_printf("%s/layer.tar", work);
        _cleanup_free_ char *partial = NULL, *record = NULL;
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *config = NULL, *manifest = NULL, *top = NULL, *repos = NULL, *mjson = NULL;
        struct archive *a = NULL;
        mkdir(mnt, 0700);
        if ((r = image_to_layer(ctx, img.path, mnt, layer, what)) < 0)
                goto out;
        char diff[72], cdig[72], mdig[72];
        struct stat lst;
        if ((r = digest_file(layer, diff)) < 0 || stat(layer, &lst) < 0) {
                r = ctx_fail(ctx, EIO, "%s: cannot hash the layer", what);
                goto out;
        }
        config = make_config(&img, diff);
        digest_buffer(config, strlen(config), cdig);
        if ((fd = partial_open(ctx, name, file, &partial, &record)) < 0) {
                r = fd;
                goto out;
        }
        a = archive_write_new();
        archive_write_set_format_pax_restricted(a);
        if (archive_write_open_fd(a, fd) != ARCHIVE_OK) {
                r = ctx_fail(ctx, EIO, "%s: cannot write %s: %s", what, file, archive_error_string(a));
                goto out;
        }
        fault_point("image-export-writing");
        char n1[128], n2[128], n3[128];
        if (!oci) {
                /* docker-archive: config and layer named by digest, manifest.json, repositories */
                snprintf(n1, sizeof(n1), "%s.json", cdig + 7);
                snprintf(n2, sizeof(n2), "%s/layer.tar", diff + 7);
                mjson = strdup_printf("[{\"Config\":\"%s\",\"RepoTags\":[\"%s\"],\"Layers\":[\"%s\"]}]", n1, tag, n2);
                const char *colon = strrchr(tag, ':');
                _cleanup_free_ char *repo = colon ? strndup(tag, (size_t) (colon - tag)) : strdup(tag);
                repos = strdup_printf("{\"%s\":{\"%s\":\"%s\"}}", repo, colon ? colon + 1 : "latest", diff + 7);
                r = add_bytes(a, n1, config, strlen(config));
                if (r == 0)
                        r = add_file(a, n2, layer);
                if (r == 0)
                        r = add_bytes(a, "manifest.json", mjson, strlen(mjson));
                if (r == 0)
                        r = add_bytes(a, "repositories", repos, strlen(repos));
        } else {
                manifest = oci_manifest(cdig, strlen(config), diff, (uint64_t) lst.st_size);
                digest_buffer(manifest, strlen(manifest), mdig);
                top = strdup_printf("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                                  "\"digest\":\"%s\",\"size\":%zu,\"annotations\":{\"org.opencontainers.image.ref.name\":\"%s\","
                                  "\"io.containerd.image.name\":\"%s\"}}]}",
                                  mdig, strlen(manifest), strrchr(tag, ':') ? strrchr(tag, ':') + 1 : tag, tag);
                const char *layout = "{\"imageLayoutVersion\":\"1.0.0\"}";
                snprintf(n1, sizeof(n1), "blobs/sha256/%s", diff + 7);
                snprintf(n2, sizeof(n2), "blobs/sha256/%s", cdig + 7);
                snprintf(n3, sizeof(n3), "blobs/sha256/%s", mdig + 7);
                r = add_bytes(a, "oci-layout", layout, strlen(layout));
                if (r == 0)
                        r = add_file(a, n1, layer);
                if (r == 0)
                        r = add_bytes(a, n2, config, strlen(config));
                if (r == 0)
                        r = add_bytes(a, n3, manifest, strlen(manifest));
                if (r == 0)
                        r = add_bytes(a, "index.json", top, strlen(top));
        }
        if (r == 0 && archive_write_close(a) != ARCHIVE_OK)
                r = -EIO;
        if (r < 0) {
                r = ctx_fail(ctx, r, "%s: cannot write %s: %s", what, file, archive_error_string(a));
                goto out;
        }
        if (fsync(fd) < 0 || rename(partial, file) < 0)
                r = ctx_fail(ctx, errno, "%s: cannot write %s: %m", what, file);
out:
        if (a)
                archive_write_free(a);
        if (r < 0 && partial)
                unlink(partial);
        if (record)
                unlink(record); /* last: until the partial file is gone */
        if (work)
                rm_rf(work);
        return r;
}
