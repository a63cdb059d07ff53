/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* User namespaces: id maps, idmapped root filesystems, sub-id ranges. */
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "runtime.h"

int userns_map(bl_ctx *ctx, pid_t pid, uid_t start, uint32_t count)
{
        static const char *const files[] = { "uid_map", "gid_map" };
        char line[64], path[64];
        snprintf(line, sizeof(line), "0 %u %u\n", (unsigned) start, count);
        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, files[i]);
                int r = write_string(path, line);
                if (r < 0)
                        return ctx_fail(ctx, r, "user namespace: cannot write %s (\"0 %u %u\"): %s", files[i], (unsigned) start, count,
                                      strerror(-r));
        }
        return 0;
}

int userns_idmapped_mount(bl_ctx *ctx, const char *dev, pid_t pid, int *ret_fd)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/user", (int) pid);
        _cleanup_close_ int ns = open(path, O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int fs = (int) syscall(SYS_fsopen, "ext4", FSOPEN_CLOEXEC);
        if (ns < 0 || fs < 0)
                return ctx_fail(ctx, errno, "user namespace: %s: %m", ns < 0 ? path : "fsopen ext4");
        if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "source", dev, 0) < 0 ||
            syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return ctx_fail(ctx, errno, "user namespace: cannot mount %s: %m", dev);
        int mnt = (int) syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV);
        if (mnt < 0)
                return ctx_fail(ctx, errno, "user namespace: fsmount %s: %m", dev);
        struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t) ns };
        if (syscall(SYS_mount_setattr, mnt, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
                int e = errno;
                close(mnt);
                return ctx_fail(ctx, e, "user namespace: the kernel cannot idmap an ext4 mount: %s", strerror(e));
        }
        *ret_fd = mnt;
        return 0;
}

int userns_subid_range(const char *file, const char *user, uid_t *ret_start, uint32_t *ret_count)
{
        FILE *f = fopen(file, "re");
        if (!f)
                return -errno;
        char line[256];
        size_t n = strlen(user);
        int r = -ENOENT;
        while (fgets(line, sizeof(line), f)) {
                unsigned long start, count;
                if (strncmp(line, user, n) == 0 && line[n] == ':' && sscanf(line + n + 1, "%lu:%lu", &start, &count) == 2 &&
                    start > 0 && count > 0 && start + count < UINT32_MAX) {
                        *ret_start = (uid_t) start;
                        *ret_count = (uint32_t) count;
                        r = 0;
                        break;
                }
        }
        fclose(f);
        return r;
}

int send_fd(int sock, char tag, int fd)
{
        struct iovec iov = { .iov_base = &tag, .iov_len = 1 };
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } u = { 0 };
        struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
        if (fd >= 0) {
                m.msg_control = u.buf;
                m.msg_controllen = sizeof(u.buf);
                struct cmsghdr *c = CMSG_FIRSTHDR(&m);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &fd, sizeof(int));
        }
        return sendmsg(sock, &m, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

int recv_fd(int sock, char *ret_tag, int *ret_fd)
{
        char tag;
        struct iovec iov = { .iov_base = &tag, .iov_len = 1 };
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } u;
        struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
        if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) != 1)
                return -EPIPE;
        *ret_fd = -1;
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
        *ret_tag = tag;
        return 0;
}
