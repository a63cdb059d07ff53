/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "disk.h"

#define CHUNK (8u << 20)

#define BUF (1u << 16)

static int copy_range(int in, int out, off_t start, off_t end, bool *use_cfr)
{
        _cleanup_free_ char *buf = NULL; /* per call: copies run in several threads */
        off_t pos = start;
        while (pos < end) {
                size_t want = (size_t) (end - pos) > CHUNK ? CHUNK : (size_t) (end - pos);
                if (*use_cfr) {
                        loff_t ip = pos, op = pos;
                        ssize_t n = copy_file_range(in, &ip, out, &op, want, 0);
                        if (n > 0) {
                                pos += n;
                                continue;
                        }
                        if (n == 0)
                                return -EIO; /* source shrank under us */
                        if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
                                return -errno;
                        *use_cfr = false;
                }
                if (!buf && !(buf = malloc(BUF)))
                        return -ENOMEM;
                if (want > BUF)
                        want = BUF;
                ssize_t n = pread(in, buf, want, pos);
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EIO;
                for (ssize_t w = 0; w < n;) {
                        ssize_t k = pwrite(out, buf + w, (size_t) (n - w), pos + w);
                        if (k < 0)
                                return -errno;
                        w += k;
                }
                pos += n;
        }
        return 0;
}

static int copy_data(bl_ctx *ctx, int in, int out, off_t size, copy_method *method)
{
        bool use_cfr = true;
        off_t pos = 0, done = 0;
        *method = COPY_SPARSE;
        while (pos < size) {
                off_t data = lseek(in, pos, SEEK_DATA);
                if (data < 0) {
                        if (errno == ENXIO)
                                break; /* only a hole remains */
                        if (errno != EINVAL && errno != EOPNOTSUPP)
                                return -errno;
                        /* no SEEK_DATA here: copy everything */
                        *method = COPY_READWRITE;
                        return copy_range(in, out, 0, size, &use_cfr);
                }
                off_t hole = lseek(in, data, SEEK_HOLE);
                if (hole < 0)
                        hole = size;
                int r = copy_range(in, out, data, hole, &use_cfr);
                if (r < 0)
                        return r;
                done += hole - data;
                pos = hole;
                ctx_progress(ctx, "copy", (uint64_t) pos, (uint64_t) size);
                fault_point("copy-data");
        }
        if (!use_cfr && *method == COPY_SPARSE)
                *method = COPY_SPARSE;
        (void) done;
        return 0;
}

int disk_copy(bl_ctx *ctx, const char *src, const char *dst, copy_method *ret_method)
{
        _cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC);
        if (in < 0)
                return ctx_fail(ctx, errno, "image file %s: %m", src);
        struct stat st;
        if (fstat(in, &st) < 0)
                return ctx_fail(ctx, errno, "image file %s: %m", src);
        _cleanup_close_ int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (out < 0)
                return ctx_fail(ctx, errno, "copy to %s: %m", dst);

        copy_method m = COPY_REFLINK;
        int r = 0;
        if (ioctl(out, FICLONE, in) < 0) {
                if (ftruncate(out, st.st_size) < 0)
                        r = -errno;
                else
                        r = copy_data(ctx, in, out, st.st_size, &m);
        }
        /* no fsync: like cp, the data reaches the disk with the kernel's
         * writeback; what must survive a crash is the manifest, which is
         * written after the rename, atomically and synced */
        if (r < 0) {
                unlink(dst);
                if (r == -ENOSPC)
                        return ctx_fail(ctx, r, "copy of %s: no space left on the device holding %s", src, dst);
                return ctx_fail(ctx, r, "copy of %s to %s: %s", src, dst, strerror(-r));
        }
        ctx_progress(ctx, "copy", (uint64_t) st.st_size, (uint64_t) st.st_size);
        if (ret_method)
                *ret_method = m;
        return 0;
}
