/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "core/core.h"
#include "unit.h"

static bl_ctx *ctx;
static void setup(void) { ck_assert_int_eq(bl_ctx_new(&ctx, "/tmp/blt-unused"), 0); }
static void teardown(void) { bl_ctx_free(ctx); }

START_TEST(test_names)
{
        static const struct { const char *name; bool ok; } cases[] = {
                { "web1", true }, { "a", true }, { "my_box.v2-x", true }, { "", false }, { ".hidden", false },
                { "-dash", false }, { "a/b", false }, { "..", false }, { "a b", false }, { "tab\tx", false },
                { "nl\nx", false }, { "dollar$", false },
                { "0123456789012345678901234567890123456789012345678901234567890123", true },
                { "01234567890123456789012345678901234567890123456789012345678901234", false },
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                ctx_begin_call(ctx);
                int r = bl_name_check(ctx, "image", cases[i].name);
                ck_assert_msg((r == 0) == cases[i].ok, "name \"%s\": got %d", cases[i].name, r);
                if (!cases[i].ok) {
                        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "image"));
                        ck_assert_ptr_null(strchr(bl_ctx_errmsg(ctx), '\n'));
                }
        }
}
END_TEST

START_TEST(test_sizes)
{
        static const struct { const char *text; int ret; uint64_t bytes; } cases[] = {
                { "4096", 0, 4096 }, { "64M", 0, 64ull << 20 }, { "2G", 0, 2ull << 30 }, { "512k", 0, 512 << 10 },
                { "1.5G", 0, 3ull << 29 }, { "64MiB", 0, 64ull << 20 }, { "64MB", 0, 64ull << 20 }, { "1T", 0, 1ull << 40 },
                { "0", -EINVAL, 0 }, { "0M", -EINVAL, 0 }, { "", -EINVAL, 0 }, { "abc", -EINVAL, 0 }, { "12Q", -EINVAL, 0 },
                { "-5M", -EINVAL, 0 }, { "5M junk", -EINVAL, 0 }, { "1.5", -EINVAL, 0 }, { "1.", -EINVAL, 0 },
                { "99999999999999999999", -ERANGE, 0 }, { "20000000000000T", -ERANGE, 0 },
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                uint64_t v = 7;
                ctx_begin_call(ctx);
                int r = bl_size_parse(ctx, cases[i].text, &v);
                ck_assert_msg(r == cases[i].ret, "size \"%s\": got %d", cases[i].text, r);
                if (r == 0)
                        ck_assert_uint_eq(v, cases[i].bytes);
                else {
                        ck_assert_uint_eq(v, 7); /* untouched on failure */
                        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "size"));
                }
        }
}
END_TEST

START_TEST(test_cidr)
{
        uint32_t a;
        int p;
        ck_assert_int_eq(parse_ipv4_cidr("10.88.0.1/16", &a, &p), 0);
        ck_assert_uint_eq(a, 0x0a580001);
        ck_assert_int_eq(p, 16);
        static const char *const bad[] = { "10.88.0.1", "10.88.0.1/33", "10.88.0.1/", "10.88/16", "10.88.0.256/8",
                                           "a.b.c.d/8", "10.0.0.1/16x", "010.0.0.1/8", " 10.0.0.1/8", "10.0.0.1/-1", NULL };
        for (size_t i = 0; bad[i]; i++)
                ck_assert_msg(parse_ipv4_cidr(bad[i], &a, &p) < 0, "accepted \"%s\"", bad[i]);
        char buf[16];
        format_ipv4(0xc0a80a01, buf);
        ck_assert_str_eq(buf, "192.168.10.1");
}
END_TEST

START_TEST(test_user)
{
        uid_t u;
        gid_t g;
        ck_assert_int_eq(parse_user("1000", &u, &g), 0);
        ck_assert_uint_eq(u, 1000);
        ck_assert_uint_eq(g, 1000);
        ck_assert_int_eq(parse_user("1000:50", &u, &g), 0);
        ck_assert_uint_eq(g, 50);
        ck_assert_int_lt(parse_user("root", &u, &g), 0);
        ck_assert_int_lt(parse_user("1:x", &u, &g), 0);
        ck_assert_int_lt(parse_user("", &u, &g), 0);
        ck_assert_int_lt(parse_user("4294967295", &u, &g), 0);
}
END_TEST

START_TEST(test_env)
{
        char **env = NULL;
        ck_assert_int_eq(env_set(&env, "A=1"), 0);
        ck_assert_int_eq(env_set(&env, "B=2"), 0);
        ck_assert_int_eq(env_set(&env, "A=3"), 0);
        ck_assert_int_eq(env_set(&env, "=x"), -EINVAL);
        ck_assert_int_eq(env_set(&env, "noequal"), -EINVAL);
        ck_assert_uint_eq(strv_length(env), 2);
        ck_assert_str_eq(env[0], "A=3");
        strv_freep(&env);
}
END_TEST

START_TEST(test_ctx_root)
{
        bl_ctx *c;
        setenv("BALEINE_ROOT", "/tmp/blt-env-root/", 1);
        ck_assert_int_eq(bl_ctx_new(&c, NULL), 0);
        ck_assert_str_eq(bl_ctx_root(c), "/tmp/blt-env-root");
        bl_ctx_free(c);
        ck_assert_int_eq(bl_ctx_new(&c, "/explicit"), 0);
        ck_assert_str_eq(bl_ctx_root(c), "/explicit");
        bl_ctx_free(c);
        unsetenv("BALEINE_ROOT");
        ck_assert_int_eq(bl_ctx_new(&c, NULL), 0);
        ck_assert_str_eq(bl_ctx_root(c), "/var/lib/baleine");
        bl_ctx_free(c);
        ck_assert_int_eq(bl_ctx_new(&c, "relative"), -EINVAL);
}
END_TEST

/* A program run by the library dies with its caller: a killed CLI leaves
 * no mke2fs, cp or debootstrap writing into the state root. */
START_TEST(test_run_dies_with_caller)
{
        char dir[] = "/tmp/blt-run.XXXXXX";
        ck_assert_ptr_nonnull(mkdtemp(dir));
        char *pidfile = strdup_printf("%s/pid", dir), *script = strdup_printf("echo $$ > %s.tmp && mv %s.tmp %s && exec sleep 100", pidfile,
                                                                          pidfile, pidfile);
        pid_t caller = fork();
        if (caller == 0) {
                char *argv[] = { (char *) "sh", (char *) "-c", script, NULL };
                run_argv(ctx, "test", argv, -1, NULL);
                _exit(0);
        }
        char *s = NULL;
        for (int i = 0; i < 500 && read_file(pidfile, &s, NULL) < 0; i++)
                nanosleep(&(struct timespec) { 0, 10 * 1000 * 1000 }, NULL);
        ck_assert_ptr_nonnull(s);
        pid_t child = (pid_t) atoi(s);
        ck_assert_int_gt(child, 1);
        kill(caller, SIGKILL);
        waitpid(caller, NULL, 0);
        bool gone = false;
        for (int i = 0; i < 200 && !gone; i++) {
                char st[64], *stat = NULL;
                snprintf(st, sizeof(st), "/proc/%d/stat", (int) child);
                /* gone, or a zombie waiting for init to reap it */
                gone = read_file(st, &stat, NULL) < 0 || strstr(stat, ") Z ");
                free(stat);
                if (!gone)
                        nanosleep(&(struct timespec) { 0, 10 * 1000 * 1000 }, NULL);
        }
        if (!gone)
                kill(child, SIGKILL);
        ck_assert_msg(gone, "the program outlived its killed caller");
        unlink(pidfile);
        rmdir(dir);
        free(s);
        free(pidfile);
        free(script);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("parse");
        TCase *tc = tcase_create("parse");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_names);
        tcase_add_test(tc, test_sizes);
        tcase_add_test(tc, test_cidr);
        tcase_add_test(tc, test_user);
        tcase_add_test(tc, test_env);
        tcase_add_test(tc, test_ctx_root);
        tcase_add_test(tc, test_run_dies_with_caller);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
