/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Layers of Docker and OCI images.  Applying one never writes outside the
 * root: entry paths are relative without "..", deletions resolve beneath
 * the root (openat2 RESOLVE_IN_ROOT), and extraction refuses to go through
 * a symlink (libarchive's SECURE_SYMLINKS).
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "image.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

/* "./a//b/" → "a/b"; NULL when it leaves the root. */
static char *clean_path(const char *p)
{
        while (p[0] == '.' && p[1] == '/')
                p += 2;
        if (p[0] == '/')
                return NULL;
        char *out = malloc(strlen(p) + 1);
        if (!out)
                return NULL;
        size_t n = 0;
        for (const char *c = p; *c;) {
                size_t len = strcspn(c, "/");
                if (len == 2 && c[0] == '.' && c[1] == '.') {
                        free(out);
                        return NULL;
                }
                if (len && !(len == 1 && c[0] == '.')) {
                        if (n)
                                out[n++] = '/';
                        memcpy(out + n, c, len);
                        n += len;
                }
                c += len;
                while (*c == '/')
                        c++;
        }
        out[n] = 0;
        return out;
}

static int open_beneath(int rootfd, const char *path, int flags)
{
        struct open_how how = { .flags = (uint64_t) flags | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
        return (int) syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof(how));
}

static int remove_at(int parent, const char *name)
{
        if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
                return 0;
        if (errno != EISDIR && errno != EPERM)
                return -errno;
        int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        struct dirent *de;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                        remove_at(dirfd(d), de->d_name);
        closedir(d);
        return unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -errno : 0;
}

/* A whiteout: removes `dir/name` (or all of `dir`'s children when name is
 * NULL) as the layers below left it. */
static int whiteout(int rootfd, const char *dir, const char *name)
{
        _cleanup_close_ int dfd = open_beneath(rootfd, dir, O_RDONLY | O_DIRECTORY);
        if (dfd < 0)
                return errno == ENOENT ? 0 : -errno;
        if (name)
                return remove_at(dfd, name);
        DIR *d = fdopendir(dup(dfd));
        if (!d)
                return -errno;
        struct dirent *de;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                        remove_at(dfd, de->d_name);
        closedir(d);
        return 0;
}

int archive_pump_data(struct archive *in, struct archive *out)
{
        const void *buf;
        size_t size;
        int64_t off;
        int st;
        while ((st = archive_read_data_block(in, &buf, &size, &off)) == ARCHIVE_OK)
                if (archive_write_data_block(out, buf, size, off) != ARCHIVE_OK)
                        return ARCHIVE_FATAL;
        return st;
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

int layer_apply(bl_ctx *ctx, const char *root, const char *layer, const char *what)
{
        _cleanup_close_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return bl_err(ctx, errno, "%s: %s: %m", what, root);
        /* pass 1: whiteouts act on the layers below only, before any entry of this one */
        struct archive *a = open_layer(layer);
        if (!a)
                return bl_err(ctx, EBADMSG, "%s: not a tar archive", what);
        struct archive_entry *e;
        int st, r = 0;
        while ((st = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
                _cleanup_free_ char *p = clean_path(archive_entry_pathname(e));
                if (!p) {
                        r = bl_err(ctx, EPERM, "%s: entry \"%s\" leaves the image root", what, archive_entry_pathname(e));
                        break;
                }
                char *slash = strrchr(p, '/');
                char *base = slash ? slash + 1 : p;
                const char *dir = slash ? (*slash = 0, p) : "";
                if (strcmp(base, WH_OPAQUE) == 0)
                        r = whiteout(rootfd, dir, NULL);
                else if (startswith(base, WH_PREFIX))
                        r = whiteout(rootfd, dir, base + strlen(WH_PREFIX));
                if (r < 0) {
                        r = bl_err(ctx, r, "%s: whiteout of \"%s\": %s", what, archive_entry_pathname(e), strerror(-r));
                        break;
                }
        }
        if (r == 0 && st != ARCHIVE_EOF)
                r = bl_err(ctx, EBADMSG, "%s: %s", what, archive_error_string(a));
        archive_read_free(a);
        if (r < 0)
                return r;

        /* pass 2: the entries themselves */
        a = open_layer(layer);
        struct archive *w = archive_write_disk_new();
        if (!a || !w) {
                if (a)
                        archive_read_free(a);
                if (w)
                        archive_write_free(w);
                return -ENOMEM;
        }
        archive_write_disk_set_options(w, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_OWNER |
                                                  ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_FFLAGS | ARCHIVE_EXTRACT_ACL |
                                                  ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                                  ARCHIVE_EXTRACT_UNLINK);
        while ((st = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
                _cleanup_free_ char *p = clean_path(archive_entry_pathname(e));
                _cleanup_free_ char *name = strdup(archive_entry_pathname(e));
                if (!p || !name) {
                        r = -ENOMEM;
                        break;
                }
                const char *base = strrchr(p, '/') ? strrchr(p, '/') + 1 : p;
                if (startswith(base, WH_PREFIX) || !*p)
                        continue;
                _cleanup_free_ char *full = bl_asprintf("%s/%s", root, p);
                archive_entry_set_pathname(e, full);
                const char *hl = archive_entry_hardlink(e);
                if (hl) {
                        _cleanup_free_ char *hp = clean_path(hl);
                        if (!hp) {
                                r = bl_err(ctx, EPERM, "%s: hardlink \"%s\" points out of the image root", what, name);
                                break;
                        }
                        _cleanup_free_ char *hfull = bl_asprintf("%s/%s", root, hp);
                        archive_entry_set_hardlink(e, hfull);
                }
                if (archive_write_header(w, e) != ARCHIVE_OK) {
                        r = bl_err(ctx, EPERM, "%s: entry \"%s\": %s", what, name, archive_error_string(w));
                        break;
                }
                if ((st = archive_pump_data(a, w)) != ARCHIVE_EOF) {
                        r = bl_err(ctx, EIO, "%s: entry \"%s\": %s", what, name, archive_error_string(a));
                        break;
                }
                archive_write_finish_entry(w);
        }
        if (r == 0 && st != ARCHIVE_EOF)
                r = bl_err(ctx, EBADMSG, "%s: %s", what, archive_error_string(a));
        archive_read_free(a);
        archive_write_free(w);
        return r;
}

int layer_write(bl_ctx *ctx, const char *root, const char *out)
{
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
                r = bl_err(ctx, EIO, "layer %s: %s", out, archive_error_string(w));
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
                        r = bl_err(ctx, EIO, "layer: %s: %s", relcopy, archive_error_string(w));
                        break;
                }
                if (archive_entry_filetype(e) == AE_IFREG && archive_entry_size(e) > 0) {
                        _cleanup_free_ char *src = bl_asprintf("%s/%s", root, relcopy);
                        _cleanup_close_ int fd = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                        char buf[65536];
                        ssize_t k;
                        while (fd >= 0 && (k = read(fd, buf, sizeof(buf))) > 0)
                                archive_write_data(w, buf, (size_t) k);
                }
        }
        archive_entry_free(e);
        if (r == 0 && st != ARCHIVE_EOF)
                r = bl_err(ctx, EIO, "layer: %s", archive_error_string(disk));
done:
        if (disk)
                archive_read_free(disk);
        if (w) {
                if (archive_write_close(w) != ARCHIVE_OK && r == 0)
                        r = bl_err(ctx, EIO, "layer %s: %s", out, archive_error_string(w));
                archive_write_free(w);
        }
        return r;
}
