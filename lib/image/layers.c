/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Layers of Docker and OCI images.  Applying one never writes outside the
 * root: entry paths are relative without "..", and every path, of an
 * entry, a hardlink's target or a whiteout, resolves beneath the root's
 * descriptor (extract.c, core/resolve.c).
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "core/resolve.h"
#include "image.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

/* A whiteout: removes `dir/name` (or all of `dir`'s children when name is
 * NULL) as the layers below left it. */
static int whiteout(int rootfd, const char *dir, const char *name)
{
        _cleanup_close_ int dfd = open_in_root(rootfd, dir, O_RDONLY | O_DIRECTORY, 0);
        if (dfd < 0)
                return dfd == -ENOENT ? 0 : dfd;
        if (name)
                return remove_beneath(dfd, name);
        DIR *d = fdopendir(dup(dfd));
        if (!d)
                return -errno;
        int r = 0;
        struct dirent *de;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
                        int k = remove_beneath(dfd, de->d_name);
                        if (k < 0 && r == 0)
                                r = k;
                }
        closedir(d);
        return r;
}

static struct archive *open_layer(const char *path)
{
        struct archive *a = archive_read_new();
        if (!a)
                return NULL;
        archive_read_support_filter_all(a);
        archive_read_support_format_tar(a);
        archive_read_support_format_gnutar(a);
        if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
                archive_read_free(a);
                return NULL;
        }
        return a;
}

int layer_apply(struct extract *x, const char *layer)
{
        bl_ctx *ctx = x->ctx;
        const char *what = x->what;
        /* pass 1: whiteouts act on the layers below only, before any entry of this one */
        struct archive *a = open_layer(layer);
        if (!a)
                return ctx_fail(ctx, EBADMSG, "%s: not a tar archive", what);
        struct archive_entry *e;
        int st, r = 0;
        while ((st = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
                _cleanup_free_ char *p = path_clean(archive_entry_pathname(e));
                if (!p) {
                        r = ctx_fail(ctx, EPERM, "%s: entry \"%s\" leaves the image root", what, archive_entry_pathname(e));
                        break;
                }
                char *slash = strrchr(p, '/');
                char *base = slash ? slash + 1 : p;
                const char *dir = slash ? (*slash = 0, p) : "";
                if (!startswith(base, WH_PREFIX))
                        continue;
                const char *victim = base + strlen(WH_PREFIX);
                if (strcmp(base, WH_OPAQUE) == 0)
                        r = whiteout(x->rootfd, dir, NULL);
                else if (startswith(victim, WH_PREFIX))
                        continue; /* AUFS's own (.wh..wh.plnk): metadata, as Docker skips it */
                else if (!*victim || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0)
                        r = ctx_fail(ctx, EPERM, "%s: whiteout \"%s\" names no entry of the image", what, archive_entry_pathname(e));
                else
                        r = whiteout(x->rootfd, dir, victim);
                if (r < 0) {
                        r = ctx_fail(ctx, r, "%s: whiteout of \"%s\": %s", what, archive_entry_pathname(e), strerror(-r));
                        break;
                }
        }
        if (r == 0 && st != ARCHIVE_EOF)
                r = ctx_fail(ctx, EBADMSG, "%s: %s", what, archive_error_string(a));
        archive_read_free(a);
        if (r < 0)
                return r;

        /* pass 2: the entries themselves */
        if (!(a = open_layer(layer)))
                return ctx_fail(ctx, EBADMSG, "%s: not a tar archive", what);
        while ((st = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
                _cleanup_free_ char *p = path_clean(archive_entry_pathname(e));
                if (!p) {
                        r = -ENOMEM;
                        break;
                }
                const char *base = strrchr(p, '/') ? strrchr(p, '/') + 1 : p;
                if (startswith(base, WH_PREFIX) || !*p)
                        continue;
                if ((r = extract_entry(x, a, e, p)) < 0)
                        break;
        }
        if (r == 0 && st != ARCHIVE_EOF)
                r = ctx_fail(ctx, EBADMSG, "%s: %s", what, archive_error_string(a));
        archive_read_free(a);
        return r;
}

int layer_write(bl_ctx *ctx, const char *root, const char *out)
{
        /* the files' bytes are read beneath the mount, never through a link */
        _cleanup_close_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct archive *disk = archive_read_disk_new();
        struct archive *w = archive_write_new();
        int r = 0;
        if (!disk || !w) {
                r = -ENOMEM;
                goto done;
        }
        archive_read_disk_set_standard_lookup(disk);
        archive_read_disk_set_behavior(disk, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
        archive_write_set_format_pax_restricted(w);
        if (archive_write_open_filename(w, out) != ARCHIVE_OK || archive_read_disk_open(disk, root) != ARCHIVE_OK) {
                r = ctx_fail(ctx, EIO, "layer %s: %s", out, archive_error_string(w));
                goto done;
        }
        size_t rootlen = strlen(root);
        struct archive_entry *e = archive_entry_new();
        int st;
        while ((st = archive_read_next_header2(disk, e)) == ARCHIVE_OK) {
                archive_read_disk_descend(disk);
                const char *p = archive_entry_pathname(e);
                const char *rel = p + rootlen;
                while (*rel == '/')
                        rel++;
                if (!*rel || strcmp(rel, "lost+found") == 0)
                        continue;
                _cleanup_free_ char *relcopy = strdup(rel);
                archive_entry_set_pathname(e, relcopy);
                if (archive_write_header(w, e) != ARCHIVE_OK) {
                        r = ctx_fail(ctx, EIO, "layer: %s: %s", relcopy, archive_error_string(w));
                        break;
                }
                if (archive_entry_filetype(e) == AE_IFREG && archive_entry_size(e) > 0) {
                        _cleanup_close_ int fd = open_in_root(rootfd, relcopy, O_RDONLY | O_NOFOLLOW, 0);
                        char buf[65536];
                        ssize_t k;
                        while (fd >= 0 && (k = read(fd, buf, sizeof(buf))) > 0)
                                archive_write_data(w, buf, (size_t) k);
                }
        }
        archive_entry_free(e);
        if (r == 0 && st != ARCHIVE_EOF)
                r = ctx_fail(ctx, EIO, "layer: %s", archive_error_string(disk));
done:
        if (disk)
                archive_read_free(disk);
        if (w) {
                if (archive_write_close(w) != ARCHIVE_OK && r == 0)
                        r = ctx_fail(ctx, EIO, "layer %s: %s", out, archive_error_string(w));
                archive_write_free(w);
        }
        return r;
}
