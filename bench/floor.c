/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kernel floor of one container start, as bench/start.sh times it:
 * the work every start of a container with a private image copy must do,
 * and nothing else.  One run per invocation, so that it is timed exactly as
 * the runtimes it is compared with (its own exec included):
 *
 *   copy of the image file (FICLONE, else sparse copy_file_range, as the
 *   library), LOOP_CONFIGURE with autoclear, a cgroup in every v1 hierarchy
 *   (or the v2 tree), clone3 with the library's namespaces, attach to the
 *   cgroup, a cgroup namespace, the ext4 mount in the new mount namespace,
 *   chroot and exec of /bin/true inside, wait, cgroup removal, unlink.
 *   The unmount is the kernel's, when the mount namespace dies (as for the
 *   library); autoclear then frees the loop device.
 *
 * Not included (a runtime needs them, the floor does not): an init process,
 * /proc, /dev, pivot_root, capabilities, seccomp, any state on disk.
 *
 * usage: floor [--overlap] IMAGE_FILE WORK_DIR NAME
 *   WORK_DIR must exist; NAME (the benchmark's prefix) names the copy, the
 *   mount point and the cgroups, all removed before it exits.
 *   --overlap measures a proposed reordering: clone and cgroup attach first,
 *   the attach (whose first write after an idle moment waits for an RCU
 *   grace period on v1) in a thread while the copy and the loop device are
 *   made; the child learns its device when released. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef LOOP_CONFIGURE
#define LOOP_CONFIGURE 0x4C0A
struct loop_config {
        uint32_t fd;
        uint32_t block_size;
        struct loop_info64 info;
        uint64_t reserved[8];
};
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define MAX_CG 16

static char cgdirs[MAX_CG][512];
static int ncg;
static char copy[4096], mnt[4096];

static void cgroups_remove(void);

/* on failure too, nothing of this run stays behind */
static void die(const char *what)
{
        fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
        cgroups_remove();
        if (copy[0])
                unlink(copy);
        if (mnt[0])
                rmdir(mnt);
        exit(1);
}

static int write_file(const char *path, const char *s)
{
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        ssize_t n = write(fd, s, strlen(s));
        int e = errno;
        close(fd);
        errno = e;
        return n == (ssize_t) strlen(s) ? 0 : -1;
}

/* a cpuset child is unusable until it has cpus and mems: copy the parent's */
static void cpuset_inherit(const char *root, const char *dir)
{
        static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
        for (size_t i = 0; i < 2; i++) {
                char p[600], v[256] = "";
                snprintf(p, sizeof(p), "%s/%s", root, files[i]);
                int fd = open(p, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                ssize_t n = read(fd, v, sizeof(v) - 1);
                close(fd);
                if (n <= 0)
                        continue;
                snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
                write_file(p, v);
        }
}

/* The library's hierarchies: every v1 controller mounted under
 * /sys/fs/cgroup (not the named systemd one, not unified), or the v2 root. */
static void cgroups_make(const char *name)
{
        struct statfs sf;
        if (statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC) {
                snprintf(cgdirs[ncg], sizeof(cgdirs[0]), "/sys/fs/cgroup/%s", name);
                if (mkdir(cgdirs[ncg], 0755) < 0)
                        die(cgdirs[ncg]);
                ncg++;
                return;
        }
        static const char *const ctl[] = { "memory", "cpu", "cpuacct", "cpuset", "pids", "blkio", "devices", "freezer" };
        for (size_t i = 0; i < sizeof(ctl) / sizeof(ctl[0]) && ncg < MAX_CG; i++) {
                char root[300];
                snprintf(root, sizeof(root), "/sys/fs/cgroup/%s", ctl[i]);
                if (statfs(root, &sf) < 0)
                        continue;
                snprintf(cgdirs[ncg], sizeof(cgdirs[0]), "%s/%s", root, name);
                if (mkdir(cgdirs[ncg], 0755) < 0)
                        die(cgdirs[ncg]);
                if (strcmp(ctl[i], "cpuset") == 0)
                        cpuset_inherit(root, cgdirs[ncg]);
                ncg++;
        }
}

static void cgroups_attach(pid_t pid)
{
        char p[600], v[32];
        snprintf(v, sizeof(v), "%d", (int) pid);
        for (int i = 0; i < ncg; i++) {
                snprintf(p, sizeof(p), "%.512s/cgroup.procs", cgdirs[i]);
                if (write_file(p, v) < 0)
                        die(p);
        }
}

/* bounded: a dead task may linger in a cgroup for a moment */
static void cgroups_remove(void)
{
        for (int i = 0; i < ncg; i++)
                for (int t = 0; t < 200 && rmdir(cgdirs[i]) < 0 && errno == EBUSY; t++)
                        nanosleep(&(struct timespec) { 0, 1000 * 1000 }, NULL);
}

static int copy_range(int in, int out, off_t pos, off_t end)
{
        while (pos < end) {
                loff_t ip = pos, op = pos;
                ssize_t n = copy_file_range(in, &ip, out, &op, (size_t) (end - pos), 0);
                if (n <= 0)
                        return -1;
                pos += n;
        }
        return 0;
}

static void copy_image(const char *src, const char *dst)
{
        int in = open(src, O_RDONLY | O_CLOEXEC);
        if (in < 0)
                die(src);
        int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (out < 0) {
                copy[0] = 0; /* not ours: leave it */
                die(dst);
        }
        struct stat st;
        if (fstat(in, &st) < 0)
                die(src);
        if (ioctl(out, FICLONE, in) == 0)
                goto done;
        if (ftruncate(out, st.st_size) < 0)
                die(dst);
        for (off_t pos = 0; pos < st.st_size;) {
                off_t data = lseek(in, pos, SEEK_DATA);
                if (data < 0)
                        break; /* ENXIO: only a hole remains */
                off_t hole = lseek(in, data, SEEK_HOLE);
                if (hole < 0)
                        hole = st.st_size;
                if (copy_range(in, out, data, hole) < 0)
                        die("copy_file_range");
                pos = hole;
        }
done:
        close(in);
        close(out);
}

static int loop_attach(const char *file, char *dev, size_t devlen)
{
        int fd = open(file, O_RDWR | O_CLOEXEC);
        int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
        if (fd < 0 || ctl < 0)
                die("loop: open");
        for (int attempt = 0; attempt < 64; attempt++) {
                int nr = ioctl(ctl, LOOP_CTL_GET_FREE);
                if (nr < 0)
                        die("LOOP_CTL_GET_FREE");
                snprintf(dev, devlen, "/dev/loop%d", nr);
                int lfd = open(dev, O_RDWR | O_CLOEXEC);
                if (lfd < 0)
                        continue;
                struct loop_config cfg = { .fd = (uint32_t) fd, .info.lo_flags = LO_FLAGS_AUTOCLEAR };
                if (ioctl(lfd, LOOP_CONFIGURE, &cfg) == 0) {
                        close(fd);
                        close(ctl);
                        return lfd;
                }
                close(lfd);
                if (errno != EBUSY)
                        die("LOOP_CONFIGURE");
        }
        errno = EBUSY;
        die("loop: every free device taken");
        return -1;
}

/* released with the loop device's path */
static _Noreturn void child(int go, const char *mnt)
{
        char dev[32] = "";
        if (read(go, dev, sizeof(dev) - 1) <= 0)
                _exit(120);
        if (unshare(CLONE_NEWCGROUP) < 0)
                _exit(121);
        /* nothing of ours propagates back to the host */
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                _exit(122);
        if (mount(dev, mnt, "ext4", 0, NULL) < 0)
                _exit(123);
        if (chroot(mnt) < 0 || chdir("/") < 0)
                _exit(124);
        char *argv[] = { (char *) "/bin/true", NULL };
        char *envp[] = { (char *) "PATH=/bin:/usr/bin", NULL };
        execve(argv[0], argv, envp);
        _exit(127);
}

static void *attach_thread(void *pid)
{
        cgroups_attach((pid_t) (intptr_t) pid);
        return NULL;
}

int main(int argc, char **argv)
{
        bool overlap = argc > 1 && strcmp(argv[1], "--overlap") == 0;
        if (overlap) {
                argv++;
                argc--;
        }
        if (argc != 4) {
                fprintf(stderr, "usage: floor [--overlap] IMAGE_FILE WORK_DIR NAME\n");
                return 2;
        }
        char dev[32];
        if (strchr(argv[3], '/') || argv[3][0] == '.')
                return fprintf(stderr, "floor: NAME %s: a plain name is needed\n", argv[3]), 2;
        snprintf(copy, sizeof(copy), "%s/%s.img", argv[2], argv[3]);
        snprintf(mnt, sizeof(mnt), "%s/%s.mnt", argv[2], argv[3]);
        if (mkdir(mnt, 0755) < 0) {
                mnt[0] = 0;
                die("mount point");
        }

        int lfd = -1;
        if (!overlap) {
                copy_image(argv[1], copy);
                lfd = loop_attach(copy, dev, sizeof(dev));
        }
        cgroups_make(argv[3]);

        int go[2];
        if (pipe2(go, O_CLOEXEC) < 0)
                die("pipe");
        struct clone_args args = {
                .flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC,
                .exit_signal = SIGCHLD,
        };
        long pid = syscall(SYS_clone3, &args, sizeof(args));
        if (pid < 0)
                die("clone3");
        if (pid == 0) {
                close(go[1]);
                child(go[0], mnt);
        }
        close(go[0]);
        if (overlap) {
                pthread_t t;
                if ((errno = pthread_create(&t, NULL, attach_thread, (void *) (intptr_t) pid)) != 0)
                        die("pthread_create");
                copy_image(argv[1], copy);
                lfd = loop_attach(copy, dev, sizeof(dev));
                pthread_join(t, NULL);
        } else {
                cgroups_attach((pid_t) pid);
        }
        if (write(go[1], dev, strlen(dev)) != (ssize_t) strlen(dev))
                die("pipe write");
        close(go[1]);
        int status = 0;
        while (waitpid((pid_t) pid, &status, 0) < 0 && errno == EINTR)
                ;
        /* held until now: with --overlap the child has no copy of it, and
         * the last close of an autoclear device detaches it; the mount died
         * with the namespace, so this frees the device */
        close(lfd);
        cgroups_remove();
        if (unlink(copy) < 0)
                die(copy);
        rmdir(mnt);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                fprintf(stderr, "floor: the contained /bin/true failed (status %#x)\n", status);
                return 1;
        }
        return 0;
}
