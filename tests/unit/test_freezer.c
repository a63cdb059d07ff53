/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The freezer on fake v1 and v2 trees: the file written, the state waited
 * for, a freeze the kernel never finishes undone. */
#include "cgroup/cgroup.h"
#include "unit.h"

static bl_ctx *ctx;
static char *root;

static void put(const char *rel, const char *content)
{
        _cleanup_free_ char *p = strdup_printf("%s/%s", root, rel), *dir = strdup(p);
        *strrchr(dir, '/') = 0;
        ck_assert_int_eq(mkdir_p(dir, 0755), 0);
        ck_assert_int_eq(write_file_atomic(p, content, strlen(content), 0644), 0);
}

static char *get(const char *rel)
{
        char *p = strdup_printf("%s/%s", root, rel), *s = NULL;
        int r = read_file(p, &s, NULL);
        free(p);
        return r < 0 ? NULL : s;
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

static struct cg_host host(cg_version v)
{
        struct cg_host h = { .version = v };
        snprintf(h.fsroot, sizeof(h.fsroot), "%s", root);
        return h;
}

START_TEST(test_v2_frozen)
{
        struct cg_host h = host(CG_V2);
        put("baleine/c@x/cgroup.freeze", "");
        put("baleine/c@x/cgroup.events", "populated 1\nfrozen 1\n");
        bool frozen = false;
        ck_assert_int_eq(cgroup_frozen(&h, "c@x", &frozen), 0);
        ck_assert(frozen);
        ck_assert_msg(cgroup_freeze(ctx, &h, "c@x", true) == 0, "%s", bl_ctx_errmsg(ctx));
        _cleanup_free_ char *w = get("baleine/c@x/cgroup.freeze");
        ck_assert_str_eq(w, "1\n");
}
END_TEST

/* A freeze the kernel never reports done is undone, with a message. */
START_TEST(test_v2_timeout_thaws)
{
        struct cg_host h = host(CG_V2);
        put("baleine/c@x/cgroup.freeze", "");
        put("baleine/c@x/cgroup.events", "populated 1\nfrozen 0\n");
        ck_assert_int_eq(cgroup_freeze(ctx, &h, "c@x", true), -ETIMEDOUT);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "not frozen after 5 s; thawed again"));
        _cleanup_free_ char *w = get("baleine/c@x/cgroup.freeze");
        ck_assert_str_eq(w, "1\n0\n");
}
END_TEST

START_TEST(test_v1_thaw)
{
        struct cg_host h = host(CG_V1);
        put("freezer/baleine/c@x/freezer.state", "THAWED\n");
        bool frozen = true;
        ck_assert_int_eq(cgroup_frozen(&h, "c@x", &frozen), 0);
        ck_assert(!frozen);
        ck_assert_int_eq(cgroup_freeze(ctx, &h, "c@x", false), 0);
        _cleanup_free_ char *w = get("freezer/baleine/c@x/freezer.state");
        ck_assert_str_eq(w, "THAWED\nTHAWED\n");
}
END_TEST

START_TEST(test_no_freezer)
{
        struct cg_host h = host(CG_V1);
        ck_assert_int_eq(cgroup_freeze(ctx, &h, "c@x", true), -ENOTSUP);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "no v1 freezer controller"));
}
END_TEST

int main(void)
{
        Suite *s = suite_create("freezer");
        TCase *tc = tcase_create("freezer");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_v2_frozen);
        tcase_add_test(tc, test_v2_timeout_thaws);
        tcase_add_test(tc, test_v1_thaw);
        tcase_add_test(tc, test_no_freezer);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
