/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writes archive entries beneath a root folder, without libarchive's disk
 * writer: each entry's folder is resolved beneath the root's descriptor
 * (openat2 RESOLVE_IN_ROOT), its last component is never followed (what
 * is there is removed, then made anew with O_EXCL/NOFOLLOW), links are
 * made as links, a hardlink's body is never written (it would go to its
 * target), and the bytes written are counted against a limit.
 */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "core/resolve.h"
#include "image.h"

#define BLOCK 4096u
/* The longest path an entry may really have in the image, links on the
 * way resolved: mke2fs -d (e2fsprogs 1.47), run as root on the staging
 * tree, corrupts its heap on trees whose paths pass 2048 bytes; real
 * images stay far below. */
#define MAX_REAL_PATH 1024u

/* The length of the path the kernel gives the descriptor, or 0 when it
 * cannot (past PATH_MAX, or no /proc). */
static size_t fd_path_len(int fd)
{
        char proc[64], buf[PATH_MAX];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        ssize_t n = readlink(proc, buf, sizeof(buf));
        return n > 0 && (size_t) n < sizeof(buf) ? (size_t) n : 0;
}

uint64_t extract_limit(bl_ctx *ctx, uint64_t size, const char **ret_why)
{
        *ret_why = "the image size";
        if (size)
                return size;
        /* no size given: the content and then its image file must both fit
         * on the state root's filesystem, which keeps a twentieth free */
        struct statvfs v;
        if (!ctx->root || statvfs(ctx->root, &v) < 0)
                return 0;
        *ret_why = "half the free space of the state root's filesystem; -s sets it";
        uint64_t avail = (uint64_t) v.f_bavail * v.f_frsize, reserve = (uint64_t) v.f_blocks * v.f_frsize / 20;
        return avail > reserve ? (avail - reserve) / 2 : 1;
}

void extract_init(struct extract *x, bl_ctx *ctx, int rootfd, uint64_t size)
{
        *x = (struct extract) { .ctx = ctx, .rootfd = rootfd, .what = "", .keep_meta = true };
        x->root_len = fd_path_len(rootfd);
        x->limit = extract_limit(ctx, size, &x->limit_why);
        /* many empty files cost no bytes but inodes: of the image (ext4
         * has at most one per 4K), or of the state root's filesystem */
        struct statvfs v;
        if (size)
                x->max_entries = size / BLOCK;
        else if (ctx->root && statvfs(ctx->root, &v) == 0 && v.f_files > 0) {
                uint64_t reserve = v.f_files / 20;
                x->max_entries = v.f_favail > reserve ? (v.f_favail - reserve) / 2 : 1;
        }
}

int extract_charge(struct extract *x, uint64_t bytes, const char *name)
{
        x->used += bytes;
        if (!x->limit || x->used <= x->limit)
                return 0;
        char lim[32];
        format_size(x->limit, lim);
        return ctx_fail(x->ctx, EFBIG, "%s: the content exceeds %s (%s); stopped at \"%s\"", x->what, lim, x->limit_why, name);
}

static int write_data(struct extract *x, struct archive *a, int fd, const char *name)
{
        const void *buf;
        size_t size;
        int64_t off;
        uint64_t written = 0;
        int st, r;
        while ((st = archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK) {
                if ((r = extract_charge(x, size, name)) < 0)
                        return r;
                for (size_t w = 0; w < size;) {
                        ssize_t k = pwrite(fd, (const char *) buf + w, size - w, (off_t) (off + (int64_t) w));
                        if (k < 0)
                                return ctx_fail(x->ctx, errno, "%s: entry \"%s\": %m", x->what, name);
                        w += (size_t) k;
                }
                written += size;
        }
        if (st != ARCHIVE_EOF)
                return ctx_fail(x->ctx, EIO, "%s: entry \"%s\": %s", x->what, name, archive_error_string(a));
        /* what the last block of the file takes on the disk */
        return extract_charge(x, (BLOCK - written % BLOCK) % BLOCK, name);
}

/* Owner, extended attributes, mode and time of what fd is, as the archive
 * says (chown first: it clears set-id bits and capabilities). */
static int set_meta(struct extract *x, struct archive_entry *e, int fd, bool dir, const char *name)
{
        if (!x->keep_meta)
                return fchmod(fd, dir ? 0700 : 0600) < 0 ? ctx_fail(x->ctx, errno, "%s: entry \"%s\": %m", x->what, name) : 0;
        if (fchown(fd, (uid_t) archive_entry_uid(e), (gid_t) archive_entry_gid(e)) < 0)
                return ctx_fail(x->ctx, errno, "%s: entry \"%s\": cannot set its owner: %m", x->what, name);
        const char *xn;
        const void *xv;
        size_t xs;
        archive_entry_xattr_reset(e);
        while (archive_entry_xattr_next(e, &xn, &xv, &xs) == ARCHIVE_OK)
                (void) fsetxattr(fd, xn, xv, xs, 0); /* as tar: a namespace this filesystem lacks is skipped */
        if (fchmod(fd, archive_entry_perm(e) & 07777) < 0)
                return ctx_fail(x->ctx, errno, "%s: entry \"%s\": %m", x->what, name);
        struct timespec ts[2] = { { archive_entry_mtime(e), archive_entry_mtime_nsec(e) } };
        ts[1] = ts[0];
        (void) futimens(fd, ts);
        return 0;
}

/* Owner, mode and time of what `base` in dfd is, made here a moment ago:
 * a symlink or a node, which have no descriptor to write through. */
static void set_meta_at(struct extract *x, struct archive_entry *e, int dfd, const char *base, bool is_link)
{
        if (!x->keep_meta)
                return;
        (void) fchownat(dfd, base, (uid_t) archive_entry_uid(e), (gid_t) archive_entry_gid(e), AT_SYMLINK_NOFOLLOW);
        if (!is_link)
                (void) fchmodat(dfd, base, archive_entry_perm(e) & 07777, 0);
        struct timespec ts[2] = { { archive_entry_mtime(e), archive_entry_mtime_nsec(e) } };
        ts[1] = ts[0];
        (void) utimensat(dfd, base, ts, AT_SYMLINK_NOFOLLOW);
}

static int make_hardlink(struct extract *x, int dfd, const char *base, const char *target, const char *name)
{
        _cleanup_free_ char *t = path_clean(target);
        if (!t || !*t)
                return ctx_fail(x->ctx, EPERM, "%s: hardlink \"%s\" to \"%s\" leaves the image", x->what, name, target);
        const char *tbase;
        _cleanup_close_ int tdfd = open_parent_in_root(x->rootfd, t, false, &tbase);
        /* flags 0: a link to a symlink links the symlink, never its target */
        if (tdfd < 0 || linkat(tdfd, tbase, dfd, base, 0) < 0)
                return ctx_fail(x->ctx, tdfd < 0 ? -tdfd : errno, "%s: hardlink \"%s\" to \"%s\": %s", x->what, name, target,
                              strerror(tdfd < 0 ? -tdfd : errno));
        return 0;
}

int extract_entry(struct extract *x, struct archive *a, struct archive_entry *e, const char *path)
{
        bl_ctx *ctx = x->ctx;
        const char *hl = archive_entry_hardlink(e);
        mode_t type = hl ? 0 : archive_entry_filetype(e);
        const char *base;
        int r = extract_charge(x, type == AE_IFDIR ? BLOCK : 256, path);
        if (r < 0)
                return r;
        if (x->max_entries && ++x->entries > x->max_entries)
                return ctx_fail(ctx, EFBIG, "%s: more than %llu entries (%s); stopped at \"%s\"", x->what,
                              (unsigned long long) x->max_entries, x->limit_why, path);
        _cleanup_close_ int dfd = open_parent_in_root(x->rootfd, path, true, &base);
        if (dfd < 0)
                return ctx_fail(ctx, -dfd, "%s: entry \"%s\": its folder cannot be made inside the image: %s", x->what, path,
                              strerror(-dfd));
        /* measured where the entry really goes: a link on the way can make
         * a short name a long path */
        size_t dlen = fd_path_len(dfd);
        if (!dlen || !x->root_len || dlen - x->root_len + 1 + strlen(base) > MAX_REAL_PATH)
                return ctx_fail(ctx, ENAMETOOLONG, "%s: entry \"%.100s…\": its path in the image is longer than %u bytes", x->what,
                              path, MAX_REAL_PATH);
        struct stat old;
        if (fstatat(dfd, base, &old, AT_SYMLINK_NOFOLLOW) == 0 && !(type == AE_IFDIR && S_ISDIR(old.st_mode)) &&
            (r = remove_beneath(dfd, base)) < 0)
                return ctx_fail(ctx, -r, "%s: entry \"%s\": cannot replace what is there: %s", x->what, path, strerror(-r));
        if (hl)
                return make_hardlink(x, dfd, base, hl, path);
        _cleanup_close_ int fd = -1;
        switch (type) {
        case AE_IFDIR:
                if (mkdirat(dfd, base, 0700) < 0 && errno != EEXIST)
                        return ctx_fail(ctx, errno, "%s: entry \"%s\": %m", x->what, path);
                if ((fd = openat(dfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
                        return ctx_fail(ctx, errno, "%s: entry \"%s\": %m", x->what, path);
                return set_meta(x, e, fd, true, path);
        case AE_IFREG:
                if ((fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
                        return ctx_fail(ctx, errno, "%s: entry \"%s\": %m", x->what, path);
                if ((r = write_data(x, a, fd, path)) < 0)
                        return r;
                if (archive_entry_size_is_set(e) && ftruncate(fd, archive_entry_size(e)) < 0)
                        return ctx_fail(ctx, errno, "%s: entry \"%s\": %m", x->what, path);
                return set_meta(x, e, fd, false, path);
        case AE_IFLNK:
                if (!x->keep_meta)
                        return 0;
                if (symlinkat(archive_entry_symlink(e) ? archive_entry_symlink(e) : "", dfd, base) < 0)
                        return ctx_fail(ctx, errno, "%s: symlink \"%s\": %m", x->what, path);
                set_meta_at(x, e, dfd, base, true);
                return 0;
        case AE_IFCHR:
        case AE_IFBLK:
        case AE_IFIFO:
                if (!x->keep_meta)
                        return 0;
                /* 0600 until its owner is set; containers mount images nodev */
                if (mknodat(dfd, base, type | 0600, makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e))) < 0)
                        return ctx_fail(ctx, errno, "%s: node \"%s\": %m", x->what, path);
                set_meta_at(x, e, dfd, base, false);
                return 0;
        default:
                return 0; /* sockets: nothing to make */
        }
}
