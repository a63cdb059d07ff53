/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "core/resolve.h"
#include "runtime.h"

/* the cause's errno (saved first: the message's arguments may change it) and the message */
#define FAIL(code, ...) do { int code_ = (code); return error_set(err, code_, __VA_ARGS__); } while (0)

static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };

/* Paths a container must not read (information about the host) and ones it
 * must not write (kernel knobs), as Docker and crun do. */
static const char *const masked_paths[] = {
        "/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/proc/latency_stats",
        "/proc/scsi", "/proc/acpi", "/sys/firmware", "/proc/interrupts", "/proc/asound", "/proc/timer_stats",
        /* energy counters: a side channel on what the host computes (PLATYPUS) */
        "/sys/devices/virtual/powercap",
};
static const char *const readonly_paths[] = {
        "/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/proc/fs",
};

static int bind_file(const char *src, const char *dst)
{
        int fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0)
                return -1;
        close(fd);
        return mount(src, dst, NULL, MS_BIND, NULL);
}

/* Binds the host file `src` read-only onto `rel` beneath the container's
 * root: the target is resolved (and made when missing) with openat2
 * RESOLVE_IN_ROOT, so an image whose /etc/hosts is a symlink to "/x"
 * gets the root's own /x, never the host's; the bind is attached to that
 * descriptor (move_mount), never to a path the host resolves. */
static int bind_ro_in_root(int rootfd, const char *src, const char *rel, struct error *err)
{
        _cleanup_close_ int target = open_in_root(rootfd, rel, O_PATH, 0);
        if (target == -ENOENT)
                target = open_in_root(rootfd, rel, O_WRONLY | O_CREAT, 0644);
        if (target < 0)
                FAIL(-target, "cannot bind /%s: %s inside the container's root", rel, strerror(-target));
        struct stat st;
        if (fstat(target, &st) < 0 || !S_ISREG(st.st_mode))
                FAIL(EINVAL, "cannot bind /%s: not a regular file in the image", rel);
        _cleanup_close_ int tree = (int) syscall(SYS_open_tree, AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (tree < 0)
                FAIL(errno, "cannot bind /%s: %s: %s", rel, src, strerror(errno));
        struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC };
        if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0 ||
            syscall(SYS_move_mount, tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                FAIL(errno, "cannot bind /%s: %s", rel, strerror(errno));
        return 0;
}

static int setup_dev(const char *console, struct error *err)
{
        if (mount("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k") < 0)
                FAIL(errno, "cannot mount /dev: %s", strerror(errno));
        for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
                char src[64], dst[64];
                snprintf(src, sizeof(src), "/dev/%s", dev_nodes[i]);
                snprintf(dst, sizeof(dst), "dev/%s", dev_nodes[i]);
                /* bind the host's nodes: no mknod needed, same major/minor */
                if (bind_file(src, dst) < 0)
                        FAIL(errno, "cannot create %s: %s", src, strerror(errno));
        }
        /* by path: a bind's source must be a mount of this namespace */
        if (console && bind_file(console, "dev/console") < 0)
                FAIL(errno, "cannot create /dev/console: %s", strerror(errno));
        mkdir("dev/pts", 0755);
        if (mount("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620") < 0)
                FAIL(errno, "cannot mount /dev/pts: %s", strerror(errno));
        if (symlink("pts/ptmx", "dev/ptmx") < 0)
                FAIL(errno, "cannot create /dev/ptmx: %s", strerror(errno));
        mkdir("dev/shm", 01777);
        if (mount("shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k") < 0)
                FAIL(errno, "cannot mount /dev/shm: %s", strerror(errno));
        mkdir("dev/mqueue", 0755);
        mount("mqueue", "dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
        static const char *const links[][2] = {
                { "/proc/self/fd", "dev/fd" }, { "/proc/self/fd/0", "dev/stdin" },
                { "/proc/self/fd/1", "dev/stdout" }, { "/proc/self/fd/2", "dev/stderr" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(links); i++)
                (void) symlink(links[i][0], links[i][1]);
        return 0;
}

static int mask_paths(struct error *err)
{
        for (size_t i = 0; i < ARRAY_SIZE(masked_paths); i++) {
                const char *p = masked_paths[i] + 1; /* relative to the new root */
                struct stat st;
                if (stat(p, &st) < 0)
                        continue;
                int r = S_ISDIR(st.st_mode) ? mount("tmpfs", p, "tmpfs", MS_RDONLY, "size=0")
                                            : mount("/dev/null", p, NULL, MS_BIND, NULL);
                if (r < 0)
                        FAIL(errno, "cannot mask %s: %s", masked_paths[i], strerror(errno));
        }
        for (size_t i = 0; i < ARRAY_SIZE(readonly_paths); i++) {
                const char *p = readonly_paths[i] + 1;
                if (access(p, F_OK) < 0)
                        continue;
                if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0 ||
                    mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                        FAIL(errno, "cannot make %s read-only: %s", readonly_paths[i], strerror(errno));
        }
        return 0;
}

int rootfs_setup(const struct run_spec *spec, int root_mount_fd, struct error *err)
{
        /* nothing we mount may propagate back to the host */
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                FAIL(errno, "cannot make mounts private: %s", strerror(errno));
        if (root_mount_fd >= 0) {
                /* made and idmapped by the parent, attached here */
                if (syscall(SYS_move_mount, root_mount_fd, "", AT_FDCWD, spec->mountpoint, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                        FAIL(errno, "cannot attach the idmapped root on %s: %s", spec->mountpoint, strerror(errno));
                close(root_mount_fd);
        } else if (mount(spec->loop_dev, spec->mountpoint, "ext4", MS_NODEV, NULL) < 0)
                FAIL(errno, "cannot mount %s on %s: %s", spec->loop_dev, spec->mountpoint, strerror(errno));
        if (chdir(spec->mountpoint) < 0)
                FAIL(errno, "cannot enter %s: %s", spec->mountpoint, strerror(errno));
        _cleanup_close_ int rootfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                FAIL(errno, "cannot open %s: %s", spec->mountpoint, strerror(errno));
        static const char *const dirs[] = { "proc", "sys", "dev", "etc", "tmp" };
        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
                (void) mkdirat(rootfd, dirs[i], 0755);
        /* the kernel's filesystems go on real folders of the image: the
         * relative paths below ("dev/null", "proc/kcore") then never pass
         * through a link of the image */
        static const char *const kernel_dirs[] = { "proc", "sys", "dev" };
        for (size_t i = 0; i < ARRAY_SIZE(kernel_dirs); i++) {
                struct stat st;
                if (fstatat(rootfd, kernel_dirs[i], &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
                        FAIL(ENOTDIR, "/%s in the image is not a folder (a link?): refused", kernel_dirs[i]);
        }
        if (mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                FAIL(errno, "cannot mount /proc: %s", strerror(errno));
        unsigned long sysflags = MS_NOSUID | MS_NODEV | MS_NOEXEC | (spec->prog.sec.privileged ? 0 : MS_RDONLY);
        if (mount("sysfs", "sys", "sysfs", sysflags, NULL) < 0)
                FAIL(errno, "cannot mount /sys: %s", strerror(errno));
        if (setup_dev(spec->console, err) < 0 ||
            (spec->hosts_file && bind_ro_in_root(rootfd, spec->hosts_file, "etc/hosts", err) < 0) ||
            (!spec->prog.sec.privileged && mask_paths(err) < 0))
                return error_ret(err->code);

        /* pivot_root(".", "."): the old root stacks under the new one and is
         * detached at once; unlike chroot, no path leads back to the host */
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                FAIL(errno, "pivot_root: %s", strerror(errno));
        if (umount2(".", MNT_DETACH) < 0)
                FAIL(errno, "cannot detach the old root: %s", strerror(errno));
        if (chdir("/") < 0)
                FAIL(errno, "chdir /: %s", strerror(errno));
        return 0;
}
