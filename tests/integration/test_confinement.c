/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The attacker in a default container (root inside, no option) reaching
 * for the host's devices and the kernel's rarer calls: each attempt must
 * fail with the errno the policy gives, not the kernel's own answer (a test
 * that accepted any failure could not tell the policy from a missing
 * driver). And the cgroup v2 device program, attached for real. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "cgroup/devices_bpf.h"
#include "helpers.h"

struct attempt {
        const char *mode;       /* blt-probe's mode */
        const char *verdict;    /* its whole answer */
};

/* Runs every attempt in one default container; each line "MODE VERDICT". */
static void attempts_in_container(const char *name, const struct attempt *a, size_t n)
{
        ck_assert_msg(path_exists(probe_path()), "the probe %s is missing: nothing was tried", probe_path());
        char script[4096] = "";
        size_t len = 0;
        for (size_t i = 0; i < n; i++)
                len += (size_t) snprintf(script + len, sizeof(script) - len, "echo \"%s $(/bin/blt-probe %s 2>&1)\";",
                                         a[i].mode, a[i].mode);
        ck_assert_uint_lt(len, sizeof(script));
        char *out;
        ck_assert_int_eq(run_shell(name, script, NULL, &out), 0);
        for (size_t i = 0; i < n; i++) {
                char line[128];
                snprintf(line, sizeof(line), "%s %s\n", a[i].mode, a[i].verdict);
                ck_assert_msg(strstr(out, line), "%s: expected \"%s\"; the container said:\n%s", a[i].mode, a[i].verdict, out);
        }
        free(out);
        bl_container_remove(ctx, name, 1);
}

START_TEST(test_host_devices)
{
        /* CAP_MKNOD and a /dev without nodev: a node of any number can be
         * made (runc's "c *:* m"), but the device cgroup refuses to open it */
        static const struct attempt a[] = {
                { "dev-console", "DENIED EPERM" },      /* the host's console, for TIOCSTI */
                { "dev-mem", "DENIED EPERM" },
                { "dev-disk", "DENIED EPERM" },         /* sda, whether the host has one or not */
                { "dev-tun", "DENIED EPERM" },
                { "dev-null", "ALLOWED" },              /* the control */
        };
        attempts_in_container("bltdev", a, ARRAY_SIZE(a));
}
END_TEST

START_TEST(test_seccomp_calls)
{
        static const struct attempt a[] = {
                { "io-uring-setup", "DENIED EPERM" }, { "io-uring-enter", "DENIED EPERM" },
                { "io-uring-register", "DENIED EPERM" }, { "vsock", "DENIED EPERM" },
                { "personality-norandom", "DENIED EPERM" }, { "personality-exec", "DENIED EPERM" },
                { "add-key", "DENIED EPERM" }, { "request-key", "DENIED EPERM" }, { "userfaultfd", "DENIED EPERM" },
                { "perf", "DENIED EPERM" }, { "mbind", "DENIED EPERM" }, { "pidfd-getfd", "DENIED EPERM" },
                { "kcmp", "DENIED EPERM" }, { "clone-netns", "DENIED EPERM" }, { "clone3", "DENIED ENOSYS" },
                { "name-to-handle", "DENIED EPERM" }, { "setns", "DENIED EPERM" },
                /* the controls: what Docker allows still works */
                { "personality-query", "ALLOWED" }, { "unix-socket", "ALLOWED" },
        };
        attempts_in_container("bltsc", a, ARRAY_SIZE(a));
}
END_TEST

START_TEST(test_exec_confined)
{
        /* a process entering by exec obeys the same filter and device policy */
        ck_assert_msg(path_exists(probe_path()), "the probe %s is missing: nothing was tried", probe_path());
        start_shell("bltscx", "exec sleep 1000", NULL);
        static const struct attempt a[] = {
                { "io-uring-setup", "DENIED EPERM" }, { "vsock", "DENIED EPERM" },
                { "personality-norandom", "DENIED EPERM" }, { "dev-console", "DENIED EPERM" },
                { "personality-query", "ALLOWED" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(a); i++) {
                char *argv[] = { (char *) "/bin/blt-probe", (char *) a[i].mode, NULL }, *out = NULL;
                exec_capture("bltscx", argv, &out);
                ck_assert_ptr_nonnull(out);
                out[strcspn(out, "\n")] = 0;
                ck_assert_msg(strcmp(out, a[i].verdict) == 0, "exec %s: %s, expected %s", a[i].mode, out, a[i].verdict);
                free(out);
        }
}
END_TEST

/* The cgroup2 hierarchy of this host: /sys/fs/cgroup itself, or the
 * "unified" one of a hybrid v1 host. */
static const char *cgroup2_root(void)
{
        static const char *const roots[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
        struct statfs s;
        for (size_t i = 0; i < ARRAY_SIZE(roots); i++)
                if (statfs(roots[i], &s) == 0 && s.f_type == (__typeof__(s.f_type)) CGROUP2_SUPER_MAGIC)
                        return roots[i];
        return NULL;
}

/* In the child, inside the cgroup: opens a node made in `dir`; errno or 0. */
static int open_node(const char *dir, const char *name, mode_t type, unsigned maj, unsigned min, int flags)
{
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", dir, name);
        if (mknod(p, type | 0600, makedev(maj, min)) < 0)
                return 100 + errno;     /* mknod itself refused */
        int fd = open(p, flags | O_NOCTTY | O_CLOEXEC);
        int e = fd < 0 ? errno : 0;
        if (fd >= 0)
                close(fd);
        unlink(p);
        return e;
}

START_TEST(test_v2_program_attached)
{
        const char *cg2 = cgroup2_root();
        if (!cg2) {
                /* no cgroup2 mount at all: the program cannot be attached here;
                 * the unit suite has judged it through its interpreter */
                fprintf(stderr, "NOTE: no cgroup2 hierarchy; the device program was not attached\n");
                return;
        }
        char dir[256], nodes[300];
        snprintf(dir, sizeof(dir), "%s/blt-devices-%d", cg2, (int) getpid());
        snprintf(nodes, sizeof(nodes), "%s/nodes", root);
        ck_assert_int_eq(mkdir(nodes, 0700), 0);
        ck_assert_int_eq(mkdir(dir, 0755), 0);
        struct cg_limits lim = { .device_rules_apply = true };
        int r = devices_bpf_attach(ctx, dir, &lim);
        static const struct {
                const char *name;
                mode_t type;
                unsigned maj, min;
                int flags, expect;
        } cases[] = {
                { "null", S_IFCHR, 1, 3, O_RDWR, 0 }, { "urandom", S_IFCHR, 1, 9, O_RDONLY, 0 },
                { "console", S_IFCHR, 5, 1, O_RDWR, EPERM }, { "mem", S_IFCHR, 1, 1, O_RDONLY, EPERM },
                { "sda", S_IFBLK, 8, 0, O_RDONLY, EPERM }, { "tun", S_IFCHR, 10, 200, O_RDWR, EPERM },
        };
        int got[ARRAY_SIZE(cases)] = { 0 };
        for (size_t i = 0; r == 0 && i < ARRAY_SIZE(cases); i++) {
                /* nothing may fail the test before the cgroup is removed */
                pid_t pid = fork();
                got[i] = 253;
                if (pid < 0)
                        break;
                if (pid == 0) {
                        char procs[300], me[16];
                        snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
                        snprintf(me, sizeof(me), "%d", (int) getpid());
                        int fd = open(procs, O_WRONLY | O_CLOEXEC);
                        if (fd < 0 || write(fd, me, strlen(me)) < 0)
                                _exit(255);
                        _exit(open_node(nodes, cases[i].name, cases[i].type, cases[i].maj, cases[i].min, cases[i].flags));
                }
                int st;
                if (waitpid(pid, &st, 0) == pid)
                        got[i] = WIFEXITED(st) ? WEXITSTATUS(st) : 254;
        }
        /* the cgroup goes (its program with it) before any verdict fails the test */
        ck_assert_msg(rmdir(dir) == 0, "rmdir %s: %s", dir, strerror(errno));
        ck_assert_msg(r == 0, "attach: %s", bl_ctx_errmsg(ctx));
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
                ck_assert_msg(got[i] == cases[i].expect, "%s (%u:%u): %s, expected %s", cases[i].name, cases[i].maj,
                              cases[i].min, got[i] == 0 ? "opened" : got[i] >= 100 && got[i] < 255 ? "mknod refused" : strerrorname_np(got[i]),
                              cases[i].expect ? strerrorname_np(cases[i].expect) : "opened");
}
END_TEST

/* A container on bridge bltbr9 at `addr`, with `hostname` (NULL: its name). */
static void start_on_bridge(const char *name, const char *hostname, const char *addr)
{
        bl_container_config *cfg = shell_config("");
        ck_assert_int_eq(bl_container_config_add_network(cfg, "bltbr9", addr), 0);
        if (hostname)
                ck_assert_int_eq(bl_container_config_set_hostname(cfg, hostname), 0);
        start_shell(name, "exec sleep 1000", cfg);
        bl_container_config_free(cfg);
}

/* What NAME resolves to inside container `from` (the address), or "none". */
static char *resolve_in(const char *from, const char *name)
{
        char script[256];
        snprintf(script, sizeof(script), "ping -c1 -W1 %s 2>&1 | sed -n 's/^PING [^ ]* (\\([0-9.]*\\)).*/\\1/p' | grep . || echo none", name);
        char *argv[] = { (char *) "sh", (char *) "-c", script, NULL }, *out = NULL;
        exec_capture(from, argv, &out);
        ck_assert_ptr_nonnull(out);
        out[strcspn(out, "\n")] = 0;
        return out;
}

START_TEST(test_hostname_cannot_shadow)
{
        int r = bl_bridge_create(ctx, "bltbr9", "10.91.0.1/24");
        ck_assert_msg(r == 0, "bridge: %s", bl_ctx_errmsg(ctx));
        /* the thief sorts first in the hosts file: first match would win */
        start_on_bridge("bltvictim", "bltalias", "10.91.0.2");
        start_on_bridge("bltathief", "bltvictim", "10.91.0.3");
        start_on_bridge("bltdup1", "bltsame", "10.91.0.4");
        start_on_bridge("bltdup2", "BLTSAME", "10.91.0.5");
        static const struct { const char *name, *expect; } c[] = {
                { "bltvictim", "10.91.0.2" },   /* the name wins over the thief's hostname */
                { "BLTVICTIM", "10.91.0.2" },
                { "bltalias", "10.91.0.2" },    /* an unambiguous hostname is published */
                { "bltathief", "10.91.0.3" },
                { "bltsame", "none" },          /* shared by two: for neither */
                { "bltdup2", "10.91.0.5" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
                char *got = resolve_in("bltdup1", c[i].name);
                ck_assert_msg(strcmp(got, c[i].expect) == 0, "%s resolves to %s, expected %s", c[i].name, got, c[i].expect);
                free(got);
        }
        /* the name's owner stopped: its name is still not the thief's */
        ck_assert_int_eq(bl_container_stop(ctx, "bltvictim", 2), 0);
        char *got = resolve_in("bltdup1", "bltvictim");
        ck_assert_msg(strcmp(got, "none") == 0, "bltvictim resolves to %s once stopped", got);
        free(got);
}
END_TEST

Suite *suite_confinement(void);
Suite *suite_confinement(void)
{
        Suite *s = suite_create("confinement");
        TCase *tc = tcase_create("confinement");
        tcase_add_checked_fixture(tc, integ_setup, integ_teardown);
        tcase_set_timeout(tc, 240);
        tcase_add_test(tc, test_host_devices);
        tcase_add_test(tc, test_seccomp_calls);
        tcase_add_test(tc, test_exec_confined);
        tcase_add_test(tc, test_v2_program_attached);
        suite_add_tcase(s, tc);
        /* names on a bridge: a private network namespace per test */
        TCase *names = tcase_create("names");
        tcase_add_checked_fixture(names, integ_setup_netns, integ_teardown);
        tcase_set_timeout(names, 240);
        tcase_add_test(names, test_hostname_cannot_shadow);
        suite_add_tcase(s, names);
        return s;
}
