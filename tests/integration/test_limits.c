/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every limit enforced by the real kernel, told by behaviour, on whichever
 * cgroup backend the host has (v1/hybrid here, v2 in tools/vm-test). */
#include <inttypes.h>
#include <time.h>

#include "helpers.h"

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

START_TEST(test_memory_oom)
{
        bl_container_config *cfg = shell_config("");
        bl_container_config_set_memory(cfg, 16u << 20);
        /* reads the limits the kernel holds, then allocates past them */
        int code = run_shell("bltoom", "x=$(head -c 64000000 /dev/zero | tr '\\0' a); echo survived", cfg, NULL);
        ck_assert_int_eq(code, 137);
        char *oom = inspect_key("bltoom", "oom_killed");
        ck_assert_ptr_nonnull(oom);
        ck_assert_str_eq(oom, "yes");
        free(oom);
        bl_container_config_free(cfg);
}
END_TEST

/* `sh -c` in the running container that allocates bytes, prints "survived"
 * when it could */
static int alloc_in(const char *name, unsigned bytes)
{
        char script[128], *out = NULL;
        snprintf(script, sizeof(script), "x=$(head -c %u /dev/zero | tr '\\0' a); echo survived", bytes);
        char *argv[] = { (char *) "/bin/sh", (char *) "-c", script, NULL };
        int code = exec_capture(name, argv, &out);
        bool survived = out && strstr(out, "survived");
        free(out);
        return survived ? 0 : code == 0 ? -1 : code;
}

START_TEST(test_memory_update)
{
        bl_container_config *cfg = shell_config("");
        bl_container_config_set_memory(cfg, 32u << 20);
        start_shell("bltswap", "sleep 100", cfg);
        /* 48 MB do not fit in 32 MiB: killed, where swap (the VM has some)
         * would have taken the excess if the limit counted memory alone */
        ck_assert_int_eq(alloc_in("bltswap", 48000000), 137);
        /* raised while running, the same allocation fits */
        bl_container_config *up;
        bl_container_config_new(ctx, &up);
        bl_container_config_set_memory(up, 128u << 20);
        ck_assert_int_eq(bl_container_update(ctx, "bltswap", up), 0);
        ck_assert_int_eq(alloc_in("bltswap", 48000000), 0);
        char *rec = inspect_key("bltswap", "memory");
        ck_assert_str_eq(rec, "134217728");
        free(rec);
        /* and lowered again: enforced again */
        bl_container_config_set_memory(up, 24u << 20);
        ck_assert_int_eq(bl_container_update(ctx, "bltswap", up), 0);
        ck_assert_int_eq(alloc_in("bltswap", 40000000), 137);
        bl_container_config_free(up);
        bl_container_config_free(cfg);
}
END_TEST

START_TEST(test_pids)
{
        bl_container_config *cfg = shell_config("");
        bl_container_config_set_pids(cfg, 10);
        char *out;
        /* a bounded fork bomb: 30 children asked, the cgroup stops them */
        int code = run_shell("bltpids", "for i in $(seq 1 30); do sleep 2 & done; wait", cfg, &out);
        ck_assert_msg(code != 0 && strstr(out, "can't fork"), "code %d: %s", code, out);
        free(out);
        bl_container_config_free(cfg);
}
END_TEST

START_TEST(test_cpus)
{
        bl_container_config *cfg = shell_config("");
        bl_container_config_set_cpus(cfg, "1");
        char *out;
        ck_assert_int_eq(run_shell("bltcpus", "grep Cpus_allowed_list /proc/self/status", cfg, &out), 0);
        ck_assert_msg(strstr(out, "Cpus_allowed_list:\t1\n"), "%s", out);
        free(out);
        bl_container_config_free(cfg);
        /* set by an update on a container created without it (on v2 the
         * cpuset controller is enabled for it then) */
        start_shell("bltcpus2", "sleep 100", NULL);
        bl_container_config *up;
        bl_container_config_new(ctx, &up);
        bl_container_config_set_cpus(up, "0");
        ck_assert_msg(bl_container_update(ctx, "bltcpus2", up) == 0, "update: %s", bl_ctx_errmsg(ctx));
        char *argv[] = { (char *) "grep", (char *) "Cpus_allowed_list", (char *) "/proc/self/status", NULL };
        ck_assert_int_eq(exec_capture("bltcpus2", argv, &out), 0);
        ck_assert_msg(strstr(out, "Cpus_allowed_list:\t0\n"), "%s", out);
        free(out);
        bl_container_config_free(up);
}
END_TEST

START_TEST(test_cpu_quota)
{
        bl_container_config *cfg = shell_config("");
        bl_container_config_set_cpu_quota(cfg, 0.5);
        start_shell("bltquota", "while :; do :; done", cfg);
        bl_record *a, *b;
        ck_assert_int_eq(bl_container_stats(ctx, "bltquota", &a), 0);
        double t0 = now_s();
        nanosleep(&(struct timespec) { 2, 0 }, NULL);
        ck_assert_int_eq(bl_container_stats(ctx, "bltquota", &b), 0);
        double wall = now_s() - t0;
        double cpu = (strtod(bl_record_get(b, "cpu_usec"), NULL) - strtod(bl_record_get(a, "cpu_usec"), NULL)) / 1e6;
        /* about half a CPU, generously */
        ck_assert_msg(cpu / wall > 0.3 && cpu / wall < 0.7, "%.2f s of CPU in %.2f s", cpu, wall);
        bl_record_free(a);
        bl_record_free(b);
        bl_container_config_free(cfg);
}
END_TEST

START_TEST(test_disk_write_bps)
{
        bl_container_config *cfg = shell_config("");
        bl_container_config_set_disk_write_bps(cfg, NULL, 5u << 20);
        double t0 = now_s();
        ck_assert_int_eq(run_shell("bltdisk", "dd if=/dev/zero of=/f bs=1M count=10 oflag=direct", cfg, NULL), 0);
        double dt = now_s() - t0;
        /* 10 MiB at 5 MiB/s: about 2 s (unthrottled it takes a few ms) */
        ck_assert_msg(dt > 1.5 && dt < 6, "10 MiB written in %.2f s", dt);
        bl_container_config_free(cfg);
}
END_TEST

/* Makes a node for tun (10:200, outside the defaults) in /dev, which the
 * defaults allow ("c *:* m"), then opens it and a denied default device. */
#define DEVICE_SCRIPT "head -c1 /dev/urandom >/dev/null && echo URANDOM-OK; " \
        "head -c1 /dev/zero >/dev/null && echo ZERO-OK; " \
        "mknod /dev/blt-tun c 10 200 && echo MKNOD-OK; " \
        "[ -c /dev/blt-tun ] && (: <>/dev/blt-tun) && echo TUN-OK; true"

START_TEST(test_device_deny)
{
        bl_container_config *cfg = shell_config("");
        ck_assert_int_eq(bl_container_config_add_device_rule(cfg, 0, "c 1:9 rwm"), 0);
        char *out;
        ck_assert_int_eq(run_shell("bltdev", DEVICE_SCRIPT, cfg, &out), 0);
        ck_assert_msg(!strstr(out, "URANDOM-OK") && strstr(out, "ZERO-OK"), "%s", out);
        /* the node is made, opening it is refused by the device policy */
        ck_assert_msg(strstr(out, "MKNOD-OK") && !strstr(out, "TUN-OK"), "%s", out);
        ck_assert_msg(strstr(out, "not permitted"), "%s", out);
        free(out);
        bl_container_config_free(cfg);
        /* allowed, the same node opens: the refusal above was the policy's */
        cfg = shell_config("");
        ck_assert_int_eq(bl_container_config_add_device_rule(cfg, 1, "c 10:200 rwm"), 0);
        ck_assert_int_eq(run_shell("bltdev2", DEVICE_SCRIPT, cfg, &out), 0);
        ck_assert_msg(strstr(out, "URANDOM-OK") && strstr(out, "MKNOD-OK") && strstr(out, "TUN-OK"), "%s", out);
        free(out);
        bl_container_config_free(cfg);
}
END_TEST

START_TEST(test_default_devices)
{
        /* every node the container gets by default opens, reads and writes
         * through the device policy (the eBPF program on v2) */
        char *out;
        ck_assert_int_eq(run_shell("bltdevok", "for d in null zero full random urandom; do "
                                               "head -c1 /dev/$d >/dev/null && echo R-$d; echo x 2>/dev/null >/dev/$d && echo W-$d; done; "
                                               "(: <>/dev/ptmx) && echo R-ptmx; true", NULL, &out), 0);
        static const char *const want[] = { "R-null", "W-null", "R-zero", "W-zero", "R-full", "R-random", "W-random",
                                            "R-urandom", "W-urandom", "R-ptmx" };
        for (size_t i = 0; i < ARRAY_SIZE(want); i++)
                ck_assert_msg(strstr(out, want[i]), "%s missing: %s", want[i], out);
        free(out);
}
END_TEST

static uint64_t stat_u64(const bl_record *r, const char *key)
{
        const char *v = bl_record_get(r, key);
        ck_assert_msg(v, "stats have no %s", key);
        return strtoull(v, NULL, 10);
}

/* The container's output so far has line. */
static bool log_has(const char *name, const char *line)
{
        char *log, *s = NULL;
        ck_assert_int_eq(bl_container_log_path(ctx, name, &log), 0);
        bool has = read_file(log, &s, NULL) == 0 && strstr(s, line);
        free(s);
        free(log);
        return has;
}

START_TEST(test_stats_and_cleanup)
{
        /* 4 MiB written past the page cache, 8 MB held in memory, then 4
         * processes (baleine's init, the shell, two sleeps).  A disk limit
         * far above what is written: on v1, kernels 5.17 to 6.2 count a
         * cgroup's bytes only where it has a throttling rule */
        bl_container_config *cfg = shell_config("");
        bl_container_config_set_disk_write_bps(cfg, NULL, 1u << 30);
        start_shell("bltstat", "dd if=/dev/zero of=/f bs=1M count=4 oflag=direct 2>/dev/null; "
                               "x=$(head -c 8000000 /dev/zero | tr '\\0' a); sleep 100 & sleep 100 & "
                               "echo READY; while :; do :; done", cfg);
        bl_container_config_free(cfg);
        for (int i = 0; i < 600 && !log_has("bltstat", "READY"); i++)
                nanosleep(&(struct timespec) { 0, 100 * 1000 * 1000 }, NULL);
        ck_assert_msg(log_has("bltstat", "READY"), "the script did not get to its loop in 60 s");
        bl_record *a, *b;
        ck_assert_int_eq(bl_container_stats(ctx, "bltstat", &a), 0);
        nanosleep(&(struct timespec) { 0, 500 * 1000 * 1000 }, NULL);
        ck_assert_int_eq(bl_container_stats(ctx, "bltstat", &b), 0);
        ck_assert_msg(stat_u64(b, "cpu_usec") > stat_u64(a, "cpu_usec"), "cpu did not grow");
        ck_assert_msg(stat_u64(b, "pids") == 4, "%" PRIu64 " processes", stat_u64(b, "pids"));
        ck_assert_msg(stat_u64(b, "memory_bytes") >= 8000000, "%" PRIu64 " bytes of memory", stat_u64(b, "memory_bytes"));
        ck_assert_msg(stat_u64(b, "disk_write_bytes") >= 4u << 20, "%" PRIu64 " bytes written", stat_u64(b, "disk_write_bytes"));
        bl_record_free(a);
        bl_record_free(b);
        char *mem = container_cgroup_dir("bltstat", "memory"), *pids = container_cgroup_dir("bltstat", "pids");
        ck_assert_int_eq(bl_container_remove(ctx, "bltstat", 1), 0);
        ck_assert_msg(!path_exists(mem), "%s remains", mem);
        ck_assert_msg(!path_exists(pids), "%s remains", pids);
        free(mem);
        free(pids);
}
END_TEST

START_TEST(test_bad_limits)
{
        /* refused at the setters, before any create */
        bl_container_config *cfg = shell_config("true");
        ck_assert_int_eq(bl_container_config_set_memory(cfg, 4096), -EINVAL);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "memory limit 4096 bytes"));
        ck_assert_int_eq(bl_container_config_set_cpus(cfg, "100"), -ERANGE);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "CPU 100 does not exist"));
        ck_assert_int_eq(bl_container_config_add_device_rule(cfg, 1, "q 1:1 r"), -EINVAL);
        ck_assert_int_eq(bl_container_config_set_disk_write_bps(cfg, "relative", 1), -EINVAL);
        bl_container_config_free(cfg);
        bl_record_list *list;
        ck_assert_int_eq(bl_container_list(ctx, 1, &list), 0);
        ck_assert_uint_eq(bl_record_list_count(list), 0);
        bl_record_list_free(list);
}
END_TEST

Suite *suite_limits(void);
Suite *suite_limits(void)
{
        Suite *s = suite_create("limits");
        TCase *tc = tcase_create("limits");
        tcase_add_checked_fixture(tc, integ_setup, integ_teardown);
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_memory_oom);
        tcase_add_test(tc, test_memory_update);
        tcase_add_test(tc, test_pids);
        tcase_add_test(tc, test_cpus);
        tcase_add_test(tc, test_cpu_quota);
        tcase_add_test(tc, test_disk_write_bps);
        tcase_add_test(tc, test_device_deny);
        tcase_add_test(tc, test_default_devices);
        tcase_add_test(tc, test_stats_and_cleanup);
        tcase_add_test(tc, test_bad_limits);
        suite_add_tcase(s, tc);
        return s;
}
