/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <blkid/blkid.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "disk.h"

int mkfs_ext4(bl_ctx *ctx, const char *path, uint64_t size, const char *staging, const char *label)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
                return ctx_fail(ctx, errno, "image file %s: %m", path);
        if (ftruncate(fd, (off_t) size) < 0) {
                int e = errno;
                unlink(path);
                return ctx_fail(ctx, e, "image file %s: cannot size it to %" PRIu64 " bytes: %s", path, size, strerror(e));
        }
        char *argv[] = {
                (char *) "mke2fs", (char *) "-q", (char *) "-F", (char *) "-t", (char *) "ext4",
                (char *) "-L", (char *) label,
                /* no discard: the file is sparse already; lazy tables: fast */
                (char *) "-E", (char *) "nodiscard,lazy_itable_init=1,lazy_journal_init=1,root_owner=0:0",
                (char *) "-d", (char *) staging, (char *) path, NULL,
        };
        int r = run_argv(ctx, "mke2fs", argv, -1, NULL);
        if (r < 0) {
                unlink(path);
                return r;
        }
        if (fsync(fd) < 0)
                return ctx_fail(ctx, errno, "image file %s: fsync: %m", path);
        return 0;
}

int disk_probe_fstype(bl_ctx *ctx, const char *path, char **ret_type)
{
        blkid_probe pr = blkid_new_probe_from_filename(path);
        if (!pr)
                return ctx_fail(ctx, errno ? errno : EIO, "disk %s: cannot probe: %m", path);
        blkid_probe_enable_superblocks(pr, 1);
        blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
        /* only the types a container may boot from: probing every known
         * filesystem reads far more of the file on each start */
        char *types[] = { (char *) "ext4", (char *) "ext3", (char *) "ext2", (char *) "jbd", NULL };
        blkid_probe_filter_superblocks_type(pr, BLKID_FLTR_ONLYIN, types);
        int r = blkid_do_safeprobe(pr);
        const char *type = NULL;
        if (r == 0)
                blkid_probe_lookup_value(pr, "TYPE", &type, NULL);
        char *t = type ? strdup(type) : NULL;
        blkid_free_probe(pr);
        if (!t)
                return ctx_fail(ctx, EMEDIUMTYPE, "disk %s: no filesystem found", path);
        *ret_type = t;
        return 0;
}

#define EXT4_SB_OFFSET 1024
#define EXT4_SB_MAGIC 0xEF53
#define EXT4_ERROR_FS 0x0002

bool disk_ext4_has_errors(const char *path)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        unsigned char sb[0x60];
        if (fd < 0 || pread(fd, sb, sizeof(sb), EXT4_SB_OFFSET) != (ssize_t) sizeof(sb))
                return false;
        /* little-endian on disk: s_magic at 0x38, s_state at 0x3a */
        unsigned magic = (unsigned) sb[0x38] | (unsigned) sb[0x39] << 8;
        unsigned state = (unsigned) sb[0x3a] | (unsigned) sb[0x3b] << 8;
        return magic == EXT4_SB_MAGIC && (state & EXT4_ERROR_FS);
}

int disk_ext4_repair(bl_ctx *ctx, const char *path)
{
        char what[300];
        snprintf(what, sizeof(what), "disk %s", path);
        char *argv[] = { (char *) "e2fsck", (char *) "-p", (char *) "-f", (char *) path, NULL };
        /* e2fsck exits 1 when it corrected errors: the superblock is the judge */
        int r = run_argv(ctx, what, argv, -1, NULL);
        if (!disk_ext4_has_errors(path)) {
                ctx_error_take(ctx, NULL);
                return 0;
        }
        return r < 0 ? r : ctx_fail(ctx, EUCLEAN, "%s: errors remain after e2fsck -p; run e2fsck by hand", what);
}

int disk_free_bytes(const char *path, uint64_t *ret)
{
        struct statvfs st;
        if (statvfs(path, &st) < 0)
                return -errno;
        *ret = (uint64_t) st.f_bavail * st.f_frsize;
        return 0;
}
