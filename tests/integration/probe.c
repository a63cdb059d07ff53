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
        fprintf(stderr, "unknown probe %s\n", t);
        return 2;
}
