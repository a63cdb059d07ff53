/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Both backends against fake cgroupfs trees: detection, the exact files and
 * values written for each option, cleanup. */
#include <sys/stat.h>

#include "cgroup/cgroup.h"
#include "unit.h"

static bl_ctx *ctx;
static char *root;

static void put(const char *rel, const char *content)
{
        char *p = strdup_printf("%s/%s", root, rel);
        char *dir = strdup(p);
        *strrchr(dir, '/') = 0;
        ck_assert_int_eq(mkdir_p(dir, 0755), 0);
        ck_assert_int_eq(write_file_atomic(p, content, strlen(content), 0644), 0);
        free(dir);
        free(p);
}

static char *get(const char *rel)
{
        char *p = strdup_printf("%s/%s", root, rel), *s = NULL;
        int r = read_file(p, &s, NULL);
        free(p);
        return r < 0 ? NULL : s;
}

#define ck_file(rel, expected) do { char *_s = get(rel); ck_assert_msg(_s != NULL, "%s missing", rel); \
        ck_assert_str_eq(_s, expected); free(_s); } while (0)

static void make_v1(bool hybrid)
{
        static const char *const ctl[] = { "memory", "cpu", "cpuacct", "cpuset", "pids", "blkio", "devices", "freezer" };
        for (size_t i = 0; i < ARRAY_SIZE(ctl); i++) {
                char rel[64];
                snprintf(rel, sizeof(rel), "%s/cgroup.procs", ctl[i]);
                put(rel, "");
        }
        put("memory/memory.limit_in_bytes", "9223372036854771712\n");
        put("cpuset/cpuset.cpus", "0-3\n");
        put("cpuset/cpuset.mems", "0\n");
        put("cpuset/cpuset.effective_cpus", "0-3\n");
        if (hybrid)
                put("unified/cgroup.controllers", "");
}

static void make_v2(void)
{
        put("cgroup.controllers", "cpuset cpu io memory pids\n");
        put("cgroup.subtree_control", "");
        put("cpuset.cpus.effective", "0-3\n");
}

static void setup(void)
{
        root = make_tmp();
        ck_assert_int_eq(bl_ctx_new(&ctx, root), 0);
}

static void teardown(void)
{
        rm_rf(root);
        free(root);
        bl_ctx_free(ctx);
}

START_TEST(test_detect)
{
        struct cg_host h;
        ck_assert_int_eq(cgroup_detect(ctx, root, &h), -ENOTSUP);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), root));
        make_v1(false);
        ck_assert_int_eq(cgroup_detect(ctx, root, &h), 0);
        ck_assert_int_eq(h.version, CG_V1);
        ck_assert(!h.hybrid);
        put("unified/cgroup.controllers", "");
        ck_assert_int_eq(cgroup_detect(ctx, root, &h), 0);
        ck_assert_int_eq(h.version, CG_V1);
        ck_assert(h.hybrid);
}
END_TEST

START_TEST(test_detect_v2)
{
        struct cg_host h;
        make_v2();
        ck_assert_int_eq(cgroup_detect(ctx, root, &h), 0);
        ck_assert_int_eq(h.version, CG_V2);
}
END_TEST

static struct cg_limits full_limits(void)
{
        static char *rules[] = { (char *) "a c 10:229 rwm", (char *) "d c 1:9 w", NULL };
        struct cg_limits lim = {
                .memory = 64u << 20, .cpus = "1-2", .cpu_quota = 0.5, .pids = 100,
                .disk = { { .major = 7, .minor = 3, .read_bps = 1000, .write_bps = 5242880 } }, .ndisk = 1,
                .device_rules = rules, .device_rules_apply = true,
        };
        return lim;
}

START_TEST(test_v1_limits)
{
        struct cg_host h;
        make_v1(true);
        put("memory/memory.memsw.limit_in_bytes", "9223372036854771712\n");
        ck_assert_int_eq(cgroup_detect(ctx, root, &h), 0);
        struct cg_limits lim = full_limits();
        ck_assert_int_eq(cgroup_validate(ctx, &h, &lim), 0);
        /* what a real cgroupfs shows in a new cgroup, the fake tree has beforehand */
        put("memory/baleine/web/memory.memsw.limit_in_bytes", "");
        static const char *const ctl[] = { "memory", "cpu", "cpuacct", "cpuset", "pids", "blkio", "devices", "freezer" };
        for (size_t i = 0; i < ARRAY_SIZE(ctl); i++) {
                char rel[64];
                snprintf(rel, sizeof(rel), "%s/baleine/web/cgroup.procs", ctl[i]);
                put(rel, "");
        }
        put("memory/baleine/web/memory.limit_in_bytes", "9223372036854771712\n");
        ck_assert_int_eq(cgroup_create(ctx, &h, "web", &lim), 0);
        /* lowering: memory first, then memsw (which must stay >= memory) */
        ck_file("memory/baleine/web/memory.limit_in_bytes", "9223372036854771712\n67108864\n");
        ck_file("memory/baleine/web/memory.memsw.limit_in_bytes", "67108864\n");
        ck_file("cpuset/baleine/cpuset.cpus", "0-3\n");
        ck_file("cpuset/baleine/web/cpuset.cpus", "0-3\n1-2\n");
        ck_file("cpuset/baleine/web/cpuset.mems", "0\n");
        ck_file("cpu/baleine/web/cpu.cfs_period_us", "100000\n");
        ck_file("cpu/baleine/web/cpu.cfs_quota_us", "50000\n");
        ck_file("pids/baleine/web/pids.max", "100\n");
        ck_file("blkio/baleine/web/blkio.throttle.read_bps_device", "7:3 1000\n");
        ck_file("blkio/baleine/web/blkio.throttle.write_bps_device", "7:3 5242880\n");
        char *allow = get("devices/baleine/web/devices.allow");
        ck_assert_ptr_nonnull(strstr(allow, "c 1:3 rwm\n"));
        ck_assert_ptr_nonnull(strstr(allow, "c 136:* rwm\n"));
        ck_assert_ptr_nonnull(strstr(allow, "c 10:229 rwm\n"));
        free(allow);
        ck_file("devices/baleine/web/devices.deny", "a\nc 1:9 w\n");

        char **procs;
        ck_assert_int_eq(cgroup_procs_files(ctx, &h, "web", &procs), 0);
        ck_assert_uint_eq(strv_length(procs), 8);
        strv_freep(&procs);
        ck_assert(!cgroup_populated(&h, "web"));
        ck_assert_int_eq(cgroup_attach(ctx, &h, "web", 1234), 0);
        ck_file("pids/baleine/web/cgroup.procs", "1234");
        ck_assert(cgroup_populated(&h, "web"));

        put("memory/baleine/web/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
        uint64_t ooms;
        ck_assert_int_eq(cgroup_oom_kills(&h, "web", &ooms), 0);
        ck_assert_uint_eq(ooms, 2);

        ck_assert(cgroup_exists(&h, "web"));
        ck_assert_int_eq(cgroup_remove(ctx, &h, "web"), 0);
        ck_assert(!cgroup_exists(&h, "web"));
}
END_TEST

START_TEST(test_v1_no_memsw)
{
        struct cg_host h;
        make_v1(false);
        ck_assert_int_eq(cgroup_detect(ctx, root, &h), 0);
        struct cg_limits lim = { .memory = 32u << 20 };
        ck_assert_int_eq(cgroup_create(ctx, &h, "db", &lim), 0);
        /* no swap accounting: swappiness 0 keeps it out of swap */
        ck_file("memory/baleine/db/memory.limit_in_bytes", "33554432\n");
        ck_file("memory/baleine/db/memory.swappiness", "0\n");
        ck_assert_int_eq(cgroup_remove(ctx, &h, "db"), 0);
}
END_TEST

START_TEST(test_v2_limits)
{
        struct cg_host h;
        make_v2();
        ck_assert_int_eq(cgroup_detect(ctx, root, &h), 0);
        put("baleine/web/memory.swap.max", "");
        struct cg_limits lim = full_limits();
        ck_assert_int_eq(cgroup_create(ctx, &h, "web", &lim), 0);
        /* each controller once, in the root and in baleine/ (never in the leaf) */
        ck_file("cgroup.subtree_control", "+memory\n+pids\n+io\n+cpuset\n+cpu\n");
        ck_file("baleine/cgroup.subtree_control", "+memory\n+pids\n+io\n+cpuset\n+cpu\n");
        ck_assert_ptr_null(get("baleine/web/cgroup.subtree_control"));
        ck_file("baleine/web/memory.max", "67108864\n");
        ck_file("baleine/web/memory.swap.max", "0\n");
        ck_file("baleine/web/cpuset.cpus", "1-2\n");
        ck_file("baleine/web/cpu.max", "50000 100000\n");
        ck_file("baleine/web/pids.max", "100\n");
        ck_file("baleine/web/io.max", "7:3 rbps=1000 wbps=5242880\n");
        char *policy = get("baleine/web/devices.policy");
        ck_assert_ptr_nonnull(policy);
        /* denials first, then the allows, then deny everything else */
        ck_assert_ptr_eq(strstr(policy, "deny c 1:9 w\n"), policy);
        ck_assert_ptr_nonnull(strstr(policy, "allow c 10:229 rwm\n"));
        ck_assert_ptr_nonnull(strstr(policy, "\ndeny a *:* rwm\n"));
        free(policy);
        char **procs;
        ck_assert_int_eq(cgroup_procs_files(ctx, &h, "web", &procs), 0);
        ck_assert_uint_eq(strv_length(procs), 1);
        strv_freep(&procs);
        put("baleine/web/memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n");
        put("baleine/web/cpu.stat", "usage_usec 1500\nuser_usec 1000\n");
        put("baleine/web/memory.current", "4096\n");
        put("baleine/web/io.stat", "7:3 rbytes=10 wbytes=20 rios=1 wios=2\n");
        uint64_t ooms;
        ck_assert_int_eq(cgroup_oom_kills(&h, "web", &ooms), 0);
        ck_assert_uint_eq(ooms, 1);
        struct cg_stats st;
        ck_assert_int_eq(cgroup_stats(ctx, &h, "web", &st), 0);
        ck_assert(st.has_cpu && st.has_memory && !st.has_pids);
        ck_assert_uint_eq(st.cpu_usec, 1500);
        ck_assert_uint_eq(st.memory_bytes, 4096);
        ck_assert_uint_eq(st.disk_write_bytes, 20);
        ck_assert_int_eq(cgroup_remove(ctx, &h, "web"), 0);
        ck_assert(!cgroup_exists(&h, "web"));
}
END_TEST

/* Beside systemd: what it enabled stays, only what a container needs is
 * added, nothing the root does not offer, at every level of a nested name. */
START_TEST(test_v2_placement)
{
        struct cg_host h;
        make_v2();
        put("cgroup.controllers", "cpu io memory pids\n");
        put("cgroup.subtree_control", "cpu io memory pids\n");
        ck_assert_int_eq(cgroup_detect(ctx, root, &h), 0);
        struct cg_limits lim = { .memory = 64u << 20 };
        ck_assert_int_eq(cgroup_create(ctx, &h, "r1/web", &lim), 0);
        ck_file("cgroup.subtree_control", "cpu io memory pids\n");
        ck_file("baleine/cgroup.subtree_control", "+memory\n+pids\n+io\n");
        ck_file("baleine/r1/cgroup.subtree_control", "+memory\n+pids\n+io\n");
        ck_file("baleine/r1/web/memory.max", "67108864\n");
        /* an update that needs cpu enables it then, on every level */
        lim = (struct cg_limits) { .cpu_quota = 1.5 };
        ck_assert_int_eq(cgroup_apply(ctx, &h, "r1/web", &lim), 0);
        ck_file("cgroup.subtree_control", "cpu io memory pids\n");
        ck_file("baleine/r1/cgroup.subtree_control", "+memory\n+pids\n+io\n+cpu\n");
        ck_file("baleine/r1/web/cpu.max", "150000 100000\n");
        /* cpuset is not offered here: refused by name, nothing enabled */
        lim = (struct cg_limits) { .cpus = "1" };
        ck_assert_int_eq(cgroup_apply(ctx, &h, "r1/web", &lim), -ENOTSUP);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "no cpuset controller"));
        ck_file("baleine/cgroup.subtree_control", "+memory\n+pids\n+io\n+cpu\n");
        ck_assert_int_eq(cgroup_remove(ctx, &h, "r1/web"), 0);
}
END_TEST

START_TEST(test_validate)
{
        struct cg_host h;
        make_v1(false);
        ck_assert_int_eq(cgroup_detect(ctx, root, &h), 0);
        struct cg_limits lim = { .memory = 1024 };
        ck_assert_int_eq(cgroup_validate(ctx, &h, &lim), -EINVAL);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "memory limit"));
        ctx_begin_call(ctx);
        lim = (struct cg_limits) { .cpus = "0-7" };
        ck_assert_int_eq(cgroup_validate(ctx, &h, &lim), -EINVAL);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "CPU 4 does not exist"));
        ctx_begin_call(ctx);
        lim = (struct cg_limits) { .cpus = "1-x" };
        ck_assert_int_eq(cgroup_validate(ctx, &h, &lim), -EINVAL);
        ctx_begin_call(ctx);
        lim = (struct cg_limits) { .cpu_quota = 0.001 };
        ck_assert_int_eq(cgroup_validate(ctx, &h, &lim), -EINVAL);
        ctx_begin_call(ctx);
        /* a controller the host lacks: refused with its name, nothing left */
        char *pids = strdup_printf("%s/pids", root);
        rm_rf(pids);
        free(pids);
        lim = (struct cg_limits) { .pids = 10 };
        ck_assert_int_eq(cgroup_create(ctx, &h, "x", &lim), -ENOTSUP);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "pids"));
        ck_assert(!cgroup_exists(&h, "x"));
}
END_TEST

START_TEST(test_cpulist)
{
        unsigned char m[128];
        ck_assert_int_eq(cpulist_parse("0-2,5", m), 0);
        ck_assert_uint_eq(m[0], 0x27);
        ck_assert_int_lt(cpulist_parse("", m), 0);
        ck_assert_int_lt(cpulist_parse("3-1", m), 0);
        ck_assert_int_lt(cpulist_parse("1,", m), 0);
        ck_assert_int_lt(cpulist_parse("2000", m), 0);
        ck_assert_int_lt(cpulist_parse("0,0,0", m), 0); /* repeated: a typo */
        ck_assert_int_lt(cpulist_parse("0-3,2", m), 0);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("cgroup");
        TCase *tc = tcase_create("cgroup");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_detect);
        tcase_add_test(tc, test_detect_v2);
        tcase_add_test(tc, test_v1_limits);
        tcase_add_test(tc, test_v1_no_memsw);
        tcase_add_test(tc, test_v2_limits);
        tcase_add_test(tc, test_v2_placement);
        tcase_add_test(tc, test_validate);
        tcase_add_test(tc, test_cpulist);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
