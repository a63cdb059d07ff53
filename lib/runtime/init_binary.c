/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The static baleine-init, copied into a sealed memfd for each start and
 * exec.  Every process that enters a container ends as this copy before it
 * becomes the user's program (PID 1 stays it), so nothing in the container
 * can reach a host file of baleine through /proc/PID/exe, not even through
 * a "#!/proc/self/exe" program (the CVE-2019-5736 class).
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#include "runtime.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

/* Installed in libexec (BL_INIT_PATH).  A program running from the build
 * tree itself (tools/demo, the tests) uses that tree's init; nothing else
 * is searched: an installed library never runs an init it happens to find
 * beside its caller.  $BALEINE_INIT overrides both in test builds. */
static int init_path(char *buf, size_t n)
{
#if BL_TEST_KNOBS
        const char *env = secure_getenv("BALEINE_INIT");
        if (env && *env)
                return snprintf(buf, n, "%s", env), access(buf, X_OK) == 0 ? 0 : -ENOENT;
#endif
        if (access(BL_INIT_PATH, X_OK) == 0)
                return snprintf(buf, n, "%s", BL_INIT_PATH), 0;
        char exe[4096];
        ssize_t k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (k <= 0)
                return -ENOENT;
        exe[k] = 0;
        size_t root = strlen(BL_BUILD_ROOT);
        if (strncmp(exe, BL_BUILD_ROOT, root) != 0 || exe[root] != '/' || access(BL_BUILD_INIT_PATH, X_OK) < 0)
                return -ENOENT;
        snprintf(buf, n, "%s", BL_BUILD_INIT_PATH);
        return 0;
}

static int copy_all(int in, int out)
{
        for (;;) {
                ssize_t k = sendfile(out, in, NULL, 1 << 20);
                if (k == 0)
                        return 0;
                if (k < 0 && errno != EINTR)
                        return -errno;
        }
}

int init_memfd(bl_ctx *ctx, int *ret_fd)
{
        char path[4096];
        if (init_path(path, sizeof(path)) < 0)
                return ctx_fail(ctx, ENOENT, "baleine-init not found at %s: reinstall baleine", BL_INIT_PATH);
        _cleanup_close_ int in = open(path, O_RDONLY | O_CLOEXEC);
        if (in < 0)
                return ctx_fail(ctx, errno, "%s: %m", path);
        _cleanup_close_ int fd = memfd_create("baleine-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
        if (fd < 0 && errno == EINVAL) /* before Linux 6.3 */
                fd = memfd_create("baleine-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return ctx_fail(ctx, errno, "cannot create a memfd for baleine-init: %m");
        int r = copy_all(in, fd);
        if (r < 0)
                return ctx_fail(ctx, -r, "cannot copy %s: %s", path, strerror(-r));
        /* execute-only: a process that executes it without its effective
         * capabilities cannot read it, so the kernel makes it non-dumpable
         * from the exec on (see program_exec_sealed) */
        if (fchmod(fd, 0111) < 0)
                return ctx_fail(ctx, errno, "cannot make the baleine-init memfd execute-only: %m");
        int seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
        if (fcntl(fd, F_ADD_SEALS, seals | F_SEAL_EXEC) < 0 && (errno != EINVAL || fcntl(fd, F_ADD_SEALS, seals) < 0))
                return ctx_fail(ctx, errno, "cannot seal the baleine-init memfd: %m");
        *ret_fd = steal_fd(&fd);
        return 0;
}
