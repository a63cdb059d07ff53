/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs inside a container: tries one escape and prints "ALLOWED" or
 * "DENIED <errno name>".  Static: needs nothing from the image. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <linux/reboot.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int report(long r)
{
        if (r < 0) {
                printf("DENIED %s\n", strerrorname_np(errno) ? strerrorname_np(errno) : "?");
                return 1;
        }
        printf("ALLOWED\n");
        return 0;
}

/* ---- confinement probes (devices, seccomp): one block, one entry point ----
 * Each runs as root inside a default container and prints the verdict. */
#include <linux/perf_event.h>
#include <linux/mempolicy.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/wait.h>

/* Makes a node in the container's /dev (a tmpfs without nodev) and opens it. */
static int open_node(const char *path, mode_t type, unsigned maj, unsigned min, int flags)
{
        if (mknod(path, type | 0600, makedev(maj, min)) < 0 && errno != EEXIST)
                return report(-1);
        return report(open(path, flags | O_NOCTTY));
}

static long io_uring_setup_once(void)
{
        char params[120] = { 0 };       /* struct io_uring_params, zeroed */
        return syscall(SYS_io_uring_setup, 1, params);
}

static long perf_self(void)
{
        /* counting our own user-mode instructions needs no privilege */
        struct perf_event_attr a = { .type = PERF_TYPE_SOFTWARE, .size = sizeof(a), .config = PERF_COUNT_SW_TASK_CLOCK,
                                     .exclude_kernel = 1, .exclude_hv = 1 };
        return syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

static long pidfd_getfd_child(void)
{
        pid_t child = fork();
        if (child == 0) {
                pause();
                _exit(0);
        }
        long pidfd = syscall(SYS_pidfd_open, child, 0), r = pidfd < 0 ? -1 : syscall(SYS_pidfd_getfd, pidfd, 0, 0);
        int e = errno;
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        errno = e;
        return r;
}

static long clone_netns(void)
{
        /* the raw call: libc's wrappers may use clone3 */
        long r = syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, NULL, NULL, NULL, 0);
        if (r == 0)
                _exit(0);
        if (r > 0)
                waitpid((pid_t) r, NULL, 0);
        return r;
}

static long name_to_handle(void)
{
        char buf[sizeof(struct file_handle) + 128];
        struct file_handle *h = (struct file_handle *) buf;
        int mount_id;
        h->handle_bytes = 128;
        return syscall(SYS_name_to_handle_at, AT_FDCWD, "/", h, &mount_id, 0);
}

static int confinement_probe(const char *t)
{
        if (!strcmp(t, "dev-console"))
                return open_node("/dev/blt-console", S_IFCHR, 5, 1, O_RDWR);
        if (!strcmp(t, "dev-mem"))
                return open_node("/dev/blt-mem", S_IFCHR, 1, 1, O_RDONLY);
        if (!strcmp(t, "dev-disk"))
                return open_node("/dev/blt-sda", S_IFBLK, 8, 0, O_RDONLY);
        if (!strcmp(t, "dev-tun"))
                return open_node("/dev/blt-tun", S_IFCHR, 10, 200, O_RDWR);
        if (!strcmp(t, "dev-null"))     /* the control: a default node opens */
                return open_node("/dev/blt-null", S_IFCHR, 1, 3, O_RDWR);
        if (!strcmp(t, "io-uring-setup"))
                return report(io_uring_setup_once());
        if (!strcmp(t, "io-uring-enter"))
                return report(syscall(SYS_io_uring_enter, 0, 0, 0, 0, NULL, 0));
        if (!strcmp(t, "io-uring-register"))
                return report(syscall(SYS_io_uring_register, 0, 0, NULL, 0));
        if (!strcmp(t, "vsock"))
                return report(socket(AF_VSOCK, SOCK_STREAM, 0));
        if (!strcmp(t, "unix-socket"))  /* the control: other families work */
                return report(socket(AF_UNIX, SOCK_STREAM, 0));
        if (!strcmp(t, "personality-query"))
                return report(personality(0xffffffff));
        if (!strcmp(t, "personality-norandom"))
                return report(personality(ADDR_NO_RANDOMIZE));
        if (!strcmp(t, "personality-exec"))
                return report(personality(READ_IMPLIES_EXEC));
        if (!strcmp(t, "add-key"))
                return report(syscall(SYS_add_key, "user", "blt", "x", 1, KEY_SPEC_PROCESS_KEYRING));
        if (!strcmp(t, "request-key"))
                return report(syscall(SYS_request_key, "user", "blt", NULL, 0));
        if (!strcmp(t, "userfaultfd"))  /* user-mode only: allowed to anyone without a filter */
                return report(syscall(SYS_userfaultfd, O_CLOEXEC | 1));
        if (!strcmp(t, "perf"))
                return report(perf_self());
        if (!strcmp(t, "mbind"))
                return report(syscall(SYS_set_mempolicy, MPOL_DEFAULT, NULL, 0));
        if (!strcmp(t, "pidfd-getfd"))
                return report(pidfd_getfd_child());
        if (!strcmp(t, "clone-netns"))
                return report(clone_netns());
        if (!strcmp(t, "clone3"))
                return report(syscall(SYS_clone3, NULL, 0));
        if (!strcmp(t, "name-to-handle"))
                return report(name_to_handle());
        if (!strcmp(t, "setns"))
                return report(setns(-1, 0));
        if (!strcmp(t, "kcmp"))
                return report(syscall(SYS_kcmp, getpid(), getpid(), 0, 0, 0));
        return -1;
}
/* ---- end of the confinement probes ---- */

int main(int argc, char **argv)
{
        if (argc < 2)
                return 2;
        const char *t = argv[1];
        if (!strcmp(t, "euid")) {
                printf("euid=%d\n", (int) geteuid());
                return 0;
        }
        if (!strcmp(t, "mount")) {
                mkdir("/mnt", 0755);
                return report(mount("tmpfs", "/mnt", "tmpfs", 0, NULL));
        }
        if (!strcmp(t, "module"))
                return report(syscall(SYS_finit_module, 0, "", 0));
        if (!strcmp(t, "reboot"))
                return report(syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_OFF, NULL));
        if (!strcmp(t, "keyctl"))
                return report(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
        if (!strcmp(t, "bpf")) {
                union bpf_attr a = { .map_type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 4, .max_entries = 1 };
                return report(syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a)));
        }
        if (!strcmp(t, "userns"))
                return report(unshare(CLONE_NEWUSER));
        if (!strcmp(t, "ptrace1"))
                return report(ptrace(PTRACE_ATTACH, 1, 0, 0));
        if (!strcmp(t, "init-fds")) {
                /* the init holds host files (its log, the exit status) */
                char link[256], path[32];
                for (int fd = 0; fd < 8; fd++) {
                        snprintf(path, sizeof(path), "/proc/1/fd/%d", fd);
                        if (readlink(path, link, sizeof(link)) >= 0 || open(path, O_RDONLY) >= 0)
                                return report(0);
                }
                return report(-1);
        }
        if (!strcmp(t, "sysrq")) {
                int fd = open("/proc/sysrq-trigger", O_WRONLY);
                return report(fd < 0 ? -1 : write(fd, "h", 1));
        }
        if (!strcmp(t, "kcore")) {
                char b[16];
                int fd = open("/proc/kcore", O_RDONLY);
                ssize_t n = fd < 0 ? -1 : read(fd, b, sizeof(b));
                if (n == 0)
                        errno = ENODATA;
                return report(n > 0 ? 0 : -1);
        }
        if (!strcmp(t, "blockdev")) {
                /* the host's first disk, made here and read */
                if (mknod("/tmp/hostdisk", S_IFBLK | 0600, makedev(253, 0)) < 0 && mknod("/tmp/hostdisk", S_IFBLK | 0600, makedev(8, 0)) < 0)
                        return report(-1);
                char b[512];
                int fd = open("/tmp/hostdisk", O_RDONLY);
                return report(fd < 0 ? -1 : read(fd, b, sizeof(b)));
        }
        if (!strcmp(t, "chroot-escape")) {
                /* the classic: chroot into a subfolder, climb out with .. */
                mkdir("/tmp/jail", 0755);
                if (chroot("/tmp/jail") < 0)
                        return report(-1);
                for (int i = 0; i < 64; i++)
                        if (chdir("..") < 0)
                                break;
                if (chroot(".") < 0)
                        return report(-1);
                /* out only if the host's root is visible now */
                return report(access("/proc/1/root/etc/hostname", F_OK) == 0 && access("/bin/blt-probe", F_OK) != 0 ? 0 : -1);
        }
        if (!strcmp(t, "settime")) {
                struct timespec ts = { 0 };
                clock_gettime(CLOCK_REALTIME, &ts);
                return report(clock_settime(CLOCK_REALTIME, &ts));
        }
        int c = confinement_probe(t);
        if (c >= 0)
                return c;
        fprintf(stderr, "unknown probe %s\n", t);
        return 2;
}
