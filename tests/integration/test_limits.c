/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every limit enforced by the real kernel (v1/hybrid on this host). */
#include <time.h>

#include "helpers.h"

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static char *cg_file(const char *ctl, const char *name, const char *file)
{
        char *cg = inspect_key(name, "cgroup");
        ck_assert_ptr_nonnull(cg);
        char *p = bl_asprintf("/sys/fs/cgroup/%s/baleine/%s/%s", ctl, cg, file), *s = NULL;
        free(cg);
        if (read_file(p, &s, NULL) < 0)
                s = NULL;
        free(p);
        return s;
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

START_TEST(test_memory_no_swap)
{
        bl_container_config *cfg = shell_config("");
        bl_container_config_set_memory(cfg, 32u << 20);
        start_shell("bltswap", "sleep 100", cfg);
        char *mem = cg_file("memory", "bltswap", "memory.limit_in_bytes");
        char *sw = cg_file("memory", "bltswap", "memory.memsw.limit_in_bytes");
        char *swp = cg_file("memory", "bltswap", "memory.swappiness");
        ck_assert_ptr_nonnull(mem);
        ck_assert_str_eq(mem, "33554432\n");
        /* swap cannot rescue it: memory+swap is capped at the same value, or
         * swappiness is 0 where the kernel has no swap accounting */
        ck_assert_msg((sw && strcmp(sw, "33554432\n") == 0) || (swp && strcmp(swp, "0\n") == 0), "memsw=%s swappiness=%s", sw, swp);
        free(mem);
        free(sw);
        free(swp);
        /* update while running */
        bl_container_config *up;
        bl_container_config_new(&up);
        bl_container_config_set_memory(up, 48u << 20);
        ck_assert_int_eq(bl_container_update(ctx, "bltswap", up), 0);
        mem = cg_file("memory", "bltswap", "memory.limit_in_bytes");
        ck_assert_str_eq(mem, "50331648\n");
        free(mem);
        char *rec = inspect_key("bltswap", "memory");
        ck_assert_str_eq(rec, "50331648");
        free(rec);
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

START_TEST(test_device_deny)
{
        bl_container_config *cfg = shell_config("");
        ck_assert_int_eq(bl_container_config_add_device_rule(cfg, 0, "c 1:9 rwm"), 0);
        char *out;
        ck_assert_int_eq(run_shell("bltdev", "head -c1 /dev/urandom >/dev/null && echo URANDOM-OK; "
                                             "head -c1 /dev/zero >/dev/null && echo ZERO-OK; "
                                             "mknod /dev/blt-sda b 8 0 && echo MKNOD-OK; "
                                             "head -c1 /dev/blt-sda >/dev/null && echo DISK-OK; true", cfg, &out), 0);
        ck_assert_ptr_null(strstr(out, "URANDOM-OK"));
        ck_assert_ptr_nonnull(strstr(out, "ZERO-OK"));
        /* runc's defaults: the node is made (b *:* m), never opened */
        ck_assert_ptr_nonnull(strstr(out, "MKNOD-OK"));
        ck_assert_ptr_null(strstr(out, "DISK-OK"));
        free(out);
        bl_container_config_free(cfg);
}
END_TEST

START_TEST(test_stats_and_cleanup)
{
        start_shell("bltstat", "while :; do :; done", NULL);
        bl_record *a, *b;
        ck_assert_int_eq(bl_container_stats(ctx, "bltstat", &a), 0);
        nanosleep(&(struct timespec) { 0, 300 * 1000 * 1000 }, NULL);
        ck_assert_int_eq(bl_container_stats(ctx, "bltstat", &b), 0);
        ck_assert_msg(strtoull(bl_record_get(b, "cpu_usec"), NULL, 10) > strtoull(bl_record_get(a, "cpu_usec"), NULL, 10),
                      "cpu did not grow");
        ck_assert_ptr_nonnull(bl_record_get(b, "memory_bytes"));
        ck_assert_ptr_nonnull(bl_record_get(b, "pids"));
        bl_record_free(a);
        bl_record_free(b);
        char *cg = inspect_key("bltstat", "cgroup");
        char *mem = bl_asprintf("/sys/fs/cgroup/memory/baleine/%s", cg), *pids = bl_asprintf("/sys/fs/cgroup/pids/baleine/%s", cg);
        ck_assert_msg(path_exists(mem), "no cgroup %s while it runs", mem);
        ck_assert_int_eq(bl_container_remove(ctx, "bltstat", 1), 0);
        ck_assert(!path_exists(mem));
        ck_assert(!path_exists(pids));
        free(cg);
        free(mem);
        free(pids);
}
END_TEST

START_TEST(test_bad_limits)
{
        bl_container_config *cfg = shell_config("true");
        bl_container_config_set_memory(cfg, 4096);
        ck_assert_int_eq(bl_container_create(ctx, "bltbad", cfg), -EINVAL);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "container \"bltbad\": memory limit"));
        bl_container_config_set_memory(cfg, 0);
        bl_container_config_set_cpus(cfg, "100");
        ck_assert_int_eq(bl_container_create(ctx, "bltbad", cfg), -EINVAL);
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
        tcase_add_test(tc, test_memory_no_swap);
        tcase_add_test(tc, test_pids);
        tcase_add_test(tc, test_cpus);
        tcase_add_test(tc, test_cpu_quota);
        tcase_add_test(tc, test_disk_write_bps);
        tcase_add_test(tc, test_device_deny);
        tcase_add_test(tc, test_stats_and_cleanup);
        tcase_add_test(tc, test_bad_limits);
        suite_add_tcase(s, tc);
        return s;
}
