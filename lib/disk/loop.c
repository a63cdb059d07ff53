/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>

#include "disk.h"

#ifndef LOOP_CONFIGURE
#define LOOP_CONFIGURE 0x4C0A
struct loop_config {
        __u32 fd;
        __u32 block_size;
        struct loop_info64 info;
        __u64 __reserved[8];
};
#endif

static int configure(int loop_fd, int file_fd, bool read_only, const char *path)
{
        struct loop_config cfg = {
                .fd = (__u32) file_fd,
                .info.lo_flags = LO_FLAGS_AUTOCLEAR | (read_only ? LO_FLAGS_READ_ONLY : 0),
        };
        snprintf((char *) cfg.info.lo_file_name, sizeof(cfg.info.lo_file_name), "%s", path);
        for (int tries = 0; tries < 50; tries++) {
                if (ioctl(loop_fd, LOOP_CONFIGURE, &cfg) == 0)
                        return 0;
                if (errno == EAGAIN) {
                        nanosleep(&(struct timespec) { 0, 10 * 1000 * 1000 }, NULL);
                        continue;
                }
                if (errno != EINVAL && errno != ENOTTY)
                        return -errno;
                /* a kernel before 5.8: the old two-step way */
                if (ioctl(loop_fd, LOOP_SET_FD, file_fd) < 0)
                        return -errno;
                if (ioctl(loop_fd, LOOP_SET_STATUS64, &cfg.info) < 0) {
                        int e = errno;
                        ioctl(loop_fd, LOOP_CLR_FD, 0);
                        return -e;
                }
                return 0;
        }
        return -EAGAIN;
}

int loop_attach(bl_ctx *ctx, const char *path, bool read_only, int *ret_fd, int *ret_nr)
{
        _cleanup_close_ int file_fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
        if (file_fd < 0)
                return ctx_fail(ctx, errno, "disk %s: %m", path);
        _cleanup_close_ int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
        if (ctl < 0)
                return ctx_fail(ctx, errno, "disk %s: cannot open /dev/loop-control: %m", path);

        for (int attempt = 0; attempt < 64; attempt++) {
                int nr = ioctl(ctl, LOOP_CTL_GET_FREE);
                if (nr < 0)
                        return ctx_fail(ctx, errno, "disk %s: no free loop device: %m", path);
                char dev[32];
                snprintf(dev, sizeof(dev), "/dev/loop%d", nr);
                _cleanup_close_ int loop_fd = open(dev, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
                if (loop_fd < 0) {
                        if (errno == ENOENT)
                                continue; /* udev has not made the node yet */
                        return ctx_fail(ctx, errno, "disk %s: cannot open %s: %m", path, dev);
                }
                int r = configure(loop_fd, file_fd, read_only, path);
                if (r == -EBUSY)
                        continue; /* another process took it between GET_FREE and us */
                if (r < 0)
                        return ctx_fail(ctx, r, "disk %s: cannot attach to %s: %s", path, dev, strerror(-r));

                struct loop_info64 info;
                if (ioctl(loop_fd, LOOP_GET_STATUS64, &info) < 0 || !(info.lo_flags & LO_FLAGS_AUTOCLEAR)) {
                        ioctl(loop_fd, LOOP_CLR_FD, 0);
                        return ctx_fail(ctx, EIO, "disk %s: %s did not take the autoclear flag", path, dev);
                }
                *ret_fd = steal_fd(&loop_fd);
                if (ret_nr)
                        *ret_nr = nr;
                return 0;
        }
        return ctx_fail(ctx, EBUSY, "disk %s: every free loop device was taken by others", path);
}

/* The kernel's own record (sysfs) of what each loop device reads: a file
 * deleted while attached shows as "PATH (deleted)". */
bool disk_loop_backs(const char *path, int *ret_nr)
{
        _cleanup_free_ char *real = realpath(path, NULL);
        const char *p = real ? real : path;
        size_t plen = strlen(p);
        DIR *d = opendir("/sys/block");
        struct dirent *de;
        bool found = false;
        while (d && !found && (de = readdir(d))) {
                int nr;
                if (sscanf(de->d_name, "loop%d", &nr) != 1)
                        continue;
                char sys[300];
                snprintf(sys, sizeof(sys), "/sys/block/%s/loop/backing_file", de->d_name);
                _cleanup_free_ char *b = NULL;
                if (read_line(sys, &b) < 0)
                        continue;
                size_t blen = strlen(b);
                if (blen > 10 && strcmp(b + blen - 10, " (deleted)") == 0)
                        b[blen -= 10] = 0;
                if (strncmp(b, p, plen) == 0 && (b[plen] == 0 || b[plen] == '/')) {
                        found = true;
                        if (ret_nr)
                                *ret_nr = nr;
                }
        }
        if (d)
                closedir(d);
        return found;
}
