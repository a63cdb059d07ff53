/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/file.h>

#include "store.h"

int store_lock(bl_ctx *ctx, int *ret_fd)
{
        int r = store_init(ctx);
        if (r < 0)
                return r;
        _cleanup_free_ char *path = store_path(ctx, "lock");
        if (!path)
                return -ENOMEM;
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return ctx_fail(ctx, errno, "state root \"%s\": cannot open lock: %m", ctx->root);
        while (flock(fd, LOCK_EX) < 0) {
                if (errno == EINTR)
                        continue;
                int e = errno;
                close(fd);
                return ctx_fail(ctx, e, "state root \"%s\": cannot lock: %s", ctx->root, strerror(e));
        }
        *ret_fd = fd;
        return 0;
}

void store_unlock(int *fd)
{
        if (*fd >= 0) {
                flock(*fd, LOCK_UN);
                close(*fd);
                *fd = -1;
        }
}
