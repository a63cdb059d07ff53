/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs inside a container: tries one escape and prints "ALLOWED" or
 * "DENIED <errno name>".  Static: needs nothing from the image. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <linux/reboot.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
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


static void sleep_ms(long ms)
{
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
        nanosleep(&ts, NULL);
}

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* The file an fd of ours names (a host path shows as the host sees it). */
static void fd_target(int fd, char *buf, size_t n)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        ssize_t k = readlink(path, buf, n - 1);
        buf[k > 0 ? k : 0] = 0;
}

/* Whether pid still has its memory: an exiting process has none, and then
 * the kernel lets anyone list its descriptors (no mm, no dumpable flag to
 * check) and names no exe; those are the program's last, not an entering
 * process's. */
static bool has_mm(int pid)
{
        char path[64], line[256];
        snprintf(path, sizeof(path), "/proc/%d/status", pid);
        FILE *f = fopen(path, "re");
        bool mm = false;
        while (f && !mm && fgets(line, sizeof(line), f))
                mm = strncmp(line, "VmSize:", 7) == 0;
        if (f)
                fclose(f);
        return mm;
}

static int exe_of(int pid, char *buf, size_t n)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/exe", pid);
        ssize_t k = readlink(path, buf, n - 1);
        buf[k > 0 ? k : 0] = 0;
        return k > 0 ? 0 : -1;
}

/* Reopens an O_PATH descriptor for writing, as CVE-2019-5736 did once the
 * host program had ended; never writes.  1: writable, 0: refused, -1: busy. */
static int try_reopen(int fd, const char *what)
{
        char path[64], target[512];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        fd_target(fd, target, sizeof(target));
        int w = open(path, O_WRONLY | O_CLOEXEC);
        if (w >= 0) {
                printf("%s-WRITABLE %s\n", what, target);
                close(w);
                return 1;
        }
        if (errno == ETXTBSY)
                return -1;
        printf("%s-REFUSED %s %s\n", what, target, strerrorname_np(errno));
        return 0;
}

#define MAX_HELD 128

/* The exec attacker: watches for processes entering the container (any
 * pid but 1 and itself) until /tmp/blt-stop appears, for at most `secs`.
 * On each: O_PATH open of /proc/PID/exe (kept, reopened for writing once
 * not busy), /proc/PID/mem read-write, and its descriptors.  `final` is
 * the exe of the exec'd program itself: that one is the container's own. */
static int exe_watch(double secs, const char *final)
{
        int held[MAX_HELD], nheld = 0, seen_final = 0, entering = 0;
        int last_pid = 1;
        double end = now_s() + secs, stop_at = 0;
        setvbuf(stdout, NULL, _IOLBF, 0);
        while (now_s() < end && (!stop_at || now_s() < stop_at)) {
                if (!stop_at && access("/tmp/blt-stop", F_OK) == 0)
                        stop_at = now_s() + 2; /* a last chance for the busy ones */
                for (int i = 0; i < nheld; i++)
                        if (held[i] >= 0 && try_reopen(held[i], "EXE") >= 0) {
                                close(held[i]);
                                held[i] = -1;
                        }
                DIR *d = opendir("/proc");
                struct dirent *de;
                while (d && (de = readdir(d))) {
                        int pid = atoi(de->d_name);
                        if (pid <= last_pid || pid == getpid())
                                continue;
                        last_pid = pid;
                        /* stay on it until it is the final program or gone */
                        char exe[512], mem[64], fdd[64];
                        snprintf(mem, sizeof(mem), "/proc/%d/mem", pid);
                        snprintf(fdd, sizeof(fdd), "/proc/%d/fd", pid);
                        bool counted = false, fds_listed = false;
                        double give_up = now_s() + 3;
                        for (long spin = 0; kill(pid, 0) == 0 && ((spin & 255) || now_s() < give_up); spin++) {
                                if (exe_of(pid, exe, sizeof(exe)) == 0 && strcmp(exe, final) == 0) {
                                        seen_final++;
                                        break;
                                }
                                if (!counted) {
                                        counted = true;
                                        entering++;
                                }
                                char path[64];
                                snprintf(path, sizeof(path), "/proc/%d/exe", pid);
                                int e = open(path, O_PATH);
                                if (e >= 0) {
                                        char t[512];
                                        fd_target(e, t, sizeof(t));
                                        if (strcmp(t, final) == 0 || nheld == MAX_HELD)
                                                close(e);
                                        else {
                                                printf("EXE-OPENED %s\n", t);
                                                held[nheld++] = e;
                                        }
                                }
                                int m = open(mem, O_RDWR | O_CLOEXEC);
                                if (m >= 0) {
                                        /* exec is one-way: named after the open, it was not yet the final program */
                                        if (exe_of(pid, exe, sizeof(exe)) < 0 || strcmp(exe, final) != 0)
                                                printf("MEM-OPENED %s\n", exe);
                                        close(m);
                                }
                                DIR *fds = fds_listed ? NULL : opendir(fdd);
                                struct dirent *fe;
                                while (fds && (fe = readdir(fds))) {
                                        char fp[128], t[512];
                                        snprintf(fp, sizeof(fp), "%s/%s", fdd, fe->d_name);
                                        ssize_t k = fe->d_name[0] == '.' ? -1 : readlink(fp, t, sizeof(t) - 1);
                                        if (k <= 0)
                                                continue;
                                        t[k] = 0;
                                        fds_listed = true;
                                        if ((exe_of(pid, exe, sizeof(exe)) < 0 || strcmp(exe, final) != 0) && has_mm(pid))
                                                printf("FD-SEEN %s %s\n", fe->d_name, t);
                                }
                                if (fds)
                                        closedir(fds);
                        }
                }
                if (d)
                        closedir(d);
                sleep_ms(1);
        }
        for (int i = 0; i < nheld; i++)
                if (held[i] >= 0 && try_reopen(held[i], "EXE") < 0)
                        printf("EXE-BUSY\n");
        printf("SEEN-FINAL %d ENTERING %d\n", seen_final, entering);
        return 0;
}

/* The first mapping of `exe` in pid's address space, 0 if none. */
static unsigned long exe_mapping(int pid, const char *exe)
{
        char path[64], line[1024];
        snprintf(path, sizeof(path), "/proc/%d/maps", pid);
        FILE *f = fopen(path, "re");
        unsigned long start = 0;
        while (f && fgets(line, sizeof(line), f)) {
                char *name = strchr(line, '/');
                if (!name)
                        continue;
                name[strcspn(name, "\n")] = 0;
                if (strcmp(name, exe) == 0) {
                        start = strtoul(line, NULL, 16);
                        break;
                }
        }
        if (f)
                fclose(f);
        return start;
}

#define SEALS_NEEDED 0xf /* F_SEAL_SEAL | SHRINK | GROW | WRITE */

/* Fields of /proc/PID/status: capability sets (hex), NoNewPrivs, Seccomp. */
struct confinement {
        unsigned long long prm, eff, bnd;
        int nnp, seccomp;
};

static int confinement_of(const char *pid, struct confinement *c)
{
        char path[64], line[256];
        snprintf(path, sizeof(path), "/proc/%s/status", pid);
        FILE *f = fopen(path, "re");
        int n = 0;
        while (f && fgets(line, sizeof(line), f))
                n += sscanf(line, "CapPrm: %llx", &c->prm) + sscanf(line, "CapEff: %llx", &c->eff) +
                     sscanf(line, "CapBnd: %llx", &c->bnd) + sscanf(line, "NoNewPrivs: %d", &c->nnp) +
                     sscanf(line, "Seccomp: %d", &c->seccomp);
        if (f)
                fclose(f);
        return n == 5 ? 0 : -1;
}

/* A process of the container that holds more than the container's own
 * confinement (the watcher's): what a tracer could borrow from it. */
static void check_confined(int pid)
{
        char p[16];
        struct confinement own, it;
        snprintf(p, sizeof(p), "%d", pid);
        if (confinement_of("self", &own) < 0 || confinement_of(p, &it) < 0) {
                printf("STATUS-UNREAD %d\n", pid);
                return;
        }
        if ((it.prm & ~own.prm) || (it.eff & ~own.prm) || (it.bnd & ~own.bnd))
                printf("CAPS-BEYOND %llx %llx %llx\n", it.prm, it.eff, it.bnd);
        if (it.nnp < own.nnp || it.seccomp < own.seccomp)
                printf("UNFILTERED nnp=%d seccomp=%d\n", it.nnp, it.seccomp);
}

/* A stopped tracee: what its exe is, whether that file opens for writing
 * or unsealed, whether its program's memory reads, whether it holds more
 * than the container.  Prints a line for each
 * finding; returns 1 for the final program, 2 for the sealed copy, 0 else. */
static int inspect_traced(int pid, const char *final)
{
        char path[64], exe[512];
        if (exe_of(pid, exe, sizeof(exe)) < 0)
                return -1;
        if (strcmp(exe, final) == 0)
                return 1;
        bool sealed_copy = strncmp(exe, "/memfd:baleine-init", 19) == 0;
        if (!sealed_copy)
                printf("EXE-HOST %s\n", exe);
        check_confined(pid);
        snprintf(path, sizeof(path), "/proc/%d/exe", pid);
        int w = open(path, O_WRONLY | O_CLOEXEC);
        if (w >= 0) {
                printf("EXE-WRITABLE %s\n", exe);
                close(w);
        }
        int r = open(path, O_RDONLY | O_CLOEXEC);
        if (r >= 0) {
                char t[512];
                fd_target(r, t, sizeof(t));
                int seals = fcntl(r, F_GET_SEALS);
                if (strncmp(t, "/memfd:baleine-init", 19) != 0)
                        printf("EXE-OPENED-HOST %s\n", t);
                else if (seals < 0 || (seals & SEALS_NEEDED) != SEALS_NEEDED)
                        printf("EXE-UNSEALED %s %d\n", t, seals);
                close(r);
        }
        unsigned long at = exe_mapping(pid, exe);
        snprintf(path, sizeof(path), "/proc/%d/mem", pid);
        int m = open(path, O_RDONLY | O_CLOEXEC);
        char head[4];
        if (m >= 0 && at && pread(m, head, 4, (off_t) at) == 4 && memcmp(head, "\177ELF", 4) == 0 && !sealed_copy)
                printf("MEM-HOST-READ %s\n", exe);
        if (m >= 0)
                close(m);
        return sealed_copy ? 2 : 0;
}

static int read_last_pid(void)
{
        char b[16] = "";
        int fd = open("/proc/sys/kernel/ns_last_pid", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
                if (read(fd, b, sizeof(b) - 1) < 0)
                        b[0] = 0;
                close(fd);
        }
        return atoi(b);
}

/* The attacker with CAP_SYS_PTRACE: seizes each process as soon as its pid
 * exists (the next pids of this namespace, asked for in a tight loop),
 * stops it and looks at its exe and memory.  Until /tmp/blt-stop appears,
 * for at most `secs`. */
#define WATCH_PIDS 4096 /* a fresh pid namespace: its pids stay small */

static int ptrace_watch(double secs, const char *final)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        /* per pid: handled, and since when it is missing though allocated
         * (ns_last_pid moves before the new task can be found: not gone yet) */
        static bool handled[WATCH_PIDS];
        static double missing_since[WATCH_PIDS];
        int seized = 0, sealed = 0, finals = 0, other = 0, lowest = getpid() + 1;
        double end = now_s() + secs, stop_at = 0;
        for (long spin = 0; now_s() < end && (!stop_at || now_s() < stop_at); spin++) {
                if (!stop_at && (spin & 1023) == 0 && access("/tmp/blt-stop", F_OK) == 0)
                        stop_at = now_s() + 1;
                int last = read_last_pid();
                if (last <= 0 || last + 2 >= WATCH_PIDS) {
                        printf("NO-NS-LAST-PID %d\n", last);
                        return 1;
                }
                while (lowest <= last && handled[lowest])
                        lowest++;
                for (int pid = lowest; pid <= last + 2; pid++) {
                        if (handled[pid] || pid == getpid())
                                continue;
                        if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0) {
                                /* not there yet, being born, or gone: given up
                                 * once missing for a while though allocated */
                                if (pid > last || kill(pid, 0) == 0)
                                        continue;
                                if (!missing_since[pid])
                                        missing_since[pid] = now_s();
                                else if (now_s() - missing_since[pid] > 0.5)
                                        handled[pid] = true;
                                continue;
                        }
                        handled[pid] = true;
                        int st;
                        ptrace(PTRACE_INTERRUPT, pid, 0, 0);
                        if (waitpid(pid, &st, __WALL) == pid && WIFSTOPPED(st)) {
                                seized++;
                                int k = inspect_traced(pid, final);
                                finals += k == 1;
                                sealed += k == 2;
                                other += k == 0;
                        }
                        ptrace(PTRACE_DETACH, pid, 0, 0);
                }
        }
        printf("SEIZED %d SEALED %d FINAL %d OTHER %d\n", seized, sealed, finals, other);
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
        if (!strcmp(t, "ptrace-watch") && argc == 4)
                return ptrace_watch(atof(argv[2]), argv[3]);
        if (!strcmp(t, "exe-watch") && argc == 4)
                return exe_watch(atof(argv[2]), argv[3]);
        if (!strcmp(t, "reopen") && argc == 3) {
                /* an O_PATH descriptor of a program that ran here: wait until it is no longer busy */
                int fd = atoi(argv[2]);
                for (int i = 0; i < 250; i++) {
                        if (try_reopen(fd, "EXE") >= 0)
                                return 0;
                        sleep_ms(20);
                }
                printf("EXE-BUSY\n");
                return 0;
        }
        if (!strcmp(t, "fds")) {
                /* every descriptor this program was given */
                DIR *d = opendir("/proc/self/fd");
                struct dirent *de;
                while (d && (de = readdir(d))) {
                        int fd = atoi(de->d_name);
                        if (de->d_name[0] == '.' || fd == dirfd(d))
                                continue;
                        char tg[512];
                        fd_target(fd, tg, sizeof(tg));
                        printf("FD %d %s\n", fd, tg);
                }
                return 0;
        }
        int c = confinement_probe(t);
        if (c >= 0)
                return c;
        fprintf(stderr, "unknown probe %s\n", t);
        return 2;
}
