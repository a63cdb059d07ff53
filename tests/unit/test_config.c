/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Setters validate at once, report one line into the context given to
 * _new, and leave the config as it was on failure. */
#include <math.h>
#include <unistd.h>

#include "container/container.h"
#include "image/image.h"
#include "unit.h"

static bl_ctx *ctx;
static char *root;
static bl_container_config *cfg;

static void setup(void)
{
        root = make_tmp();
        ck_assert_int_eq(bl_ctx_new(&ctx, root), 0);
        ck_assert_int_eq(bl_container_config_new(ctx, &cfg), 0);
}

static void teardown(void)
{
        bl_container_config_free(cfg);
        rm_rf(root);
        free(root);
        bl_ctx_free(ctx);
}

/* The last call failed with `err` and a one-line message containing `part`. */
static void assert_failed(int r, int err, const char *part)
{
        const char *m = bl_ctx_errmsg(ctx);
        ck_assert_msg(r == -err, "returned %d, expected %d (%s)", r, -err, m);
        ck_assert_msg(strstr(m, part), "message \"%s\" lacks \"%s\"", m, part);
        ck_assert_msg(!strchr(m, '\n'), "message \"%s\" is not one line", m);
}

START_TEST(test_limits)
{
        ck_assert_int_eq(bl_container_config_set_memory(cfg, 64u << 20), 0);
        assert_failed(bl_container_config_set_memory(cfg, 1024), EINVAL, "1024 bytes");
        ck_assert_uint_eq(cfg->memory, 64u << 20);
        /* a call that succeeds clears the last message */
        ck_assert_int_eq(bl_container_config_set_memory(cfg, 6u << 20), 0);
        ck_assert_str_eq(bl_ctx_errmsg(ctx), "");

        ck_assert_int_eq(bl_container_config_set_cpu_quota(cfg, 0.5), 0);
        assert_failed(bl_container_config_set_cpu_quota(cfg, NAN), EINVAL, "cpu quota");
        assert_failed(bl_container_config_set_cpu_quota(cfg, 0), EINVAL, "cpu quota");
        assert_failed(bl_container_config_set_cpu_quota(cfg, -1), EINVAL, "cpu quota");
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        ck_assert_int_gt(ncpu, 0);
        assert_failed(bl_container_config_set_cpu_quota(cfg, (double) ncpu + 1), ERANGE, "CPU");
        ck_assert(cfg->cpu_quota == 0.5);

        ck_assert_int_eq(bl_container_config_set_cpus(cfg, "0"), 0);
        assert_failed(bl_container_config_set_cpus(cfg, "99"), ERANGE, "CPU 99 does not exist");
        assert_failed(bl_container_config_set_cpus(cfg, "0-x"), EINVAL, "0-x");
        assert_failed(bl_container_config_set_cpus(cfg, "0,0"), EINVAL, "0,0");
        ck_assert_str_eq(cfg->cpus, "0");

        ck_assert_int_eq(bl_container_config_set_pids(cfg, 10), 0);
        assert_failed(bl_container_config_set_pids(cfg, 1), EINVAL, "pids limit 1");
        ck_assert_uint_eq(cfg->pids, 10);
}
END_TEST

START_TEST(test_text)
{
        ck_assert_int_eq(bl_container_config_set_restart(cfg, "on-failure:3"), 0);
        assert_failed(bl_container_config_set_restart(cfg, "sometimes"), EINVAL, "sometimes");
        assert_failed(bl_container_config_set_restart(cfg, "on-failure:0"), EINVAL, "restart policy");
        ck_assert_str_eq(cfg->restart, "on-failure:3");

        ck_assert_int_eq(bl_container_config_set_hostname(cfg, "web-1.local"), 0);
        assert_failed(bl_container_config_set_hostname(cfg, "bad_host"), EINVAL, "bad_host");
        assert_failed(bl_container_config_set_hostname(cfg, "-x"), EINVAL, "host name");
        ck_assert_str_eq(cfg->hostname, "web-1.local");

        ck_assert_int_eq(bl_container_config_set_user(cfg, "1000:1000"), 0);
        assert_failed(bl_container_config_set_user(cfg, "a b"), EINVAL, "user \"a b\"");
        assert_failed(bl_container_config_set_user(cfg, "1:2:3"), EINVAL, "USER[:GROUP]");
        ck_assert_str_eq(cfg->user, "1000:1000");

        ck_assert_int_eq(bl_container_config_add_device_rule(cfg, 1, "c 10:200 rwm"), 0);
        assert_failed(bl_container_config_add_device_rule(cfg, 1, "x 1:2 rwm"), EINVAL, "device rule");
        assert_failed(bl_container_config_add_device_rule(cfg, 0, "c 1:3 rwz"), EINVAL, "device rule");
        ck_assert_ptr_nonnull(cfg->device_rules);
        ck_assert_ptr_null(cfg->device_rules[1]);

        ck_assert_int_eq(bl_container_config_add_cap(cfg, "NET_ADMIN"), 0);
        assert_failed(bl_container_config_add_cap(cfg, "CAP_FLY"), EINVAL, "CAP_FLY");
        assert_failed(bl_container_config_drop_cap(cfg, "nothing"), EINVAL, "capability");
        ck_assert_ptr_null(cfg->cap_add[1]);
        ck_assert_ptr_null(cfg->cap_drop);

        assert_failed(bl_container_config_set_workdir(cfg, "relative"), EINVAL, "workdir");
        ck_assert_ptr_null(cfg->workdir);
        assert_failed(bl_container_config_add_env(cfg, "=x"), EINVAL, "KEY=VALUE");
        assert_failed(bl_container_config_add_env(cfg, "NOEQUALS"), EINVAL, "KEY=VALUE");
        ck_assert_ptr_null(cfg->env);
        char *empty[] = { (char *) "", NULL };
        assert_failed(bl_container_config_set_argv(cfg, empty), EINVAL, "empty command");
        ck_assert_ptr_null(cfg->argv);
        assert_failed(bl_container_config_set_image(cfg, "../x"), EINVAL, "image");
        ck_assert_ptr_null(cfg->image);
        assert_failed(bl_container_config_add_network(cfg, "br0", "10.1.2"), EINVAL, "10.1.2");
        assert_failed(bl_container_config_add_network(cfg, "-br", NULL), EINVAL, "bridge");
        ck_assert_uint_eq(cfg->nnets, 0);
        ck_assert_int_eq(bl_container_config_add_network(cfg, "br0", "10.1.2.3/16"), 0);
        assert_failed(bl_container_config_set_userns(cfg, 1, 0, 10), EINVAL, "user namespace");
        ck_assert_int_eq(cfg->userns, 0);
}
END_TEST

START_TEST(test_exec_and_image)
{
        bl_exec_config *ec;
        ck_assert_int_eq(bl_exec_config_new(ctx, &ec), 0);
        assert_failed(bl_exec_config_set_user(ec, "x\ny"), EINVAL, "user");
        assert_failed(bl_exec_config_set_workdir(ec, "tmp"), EINVAL, "workdir");
        assert_failed(bl_exec_config_add_env(ec, "NOEQ"), EINVAL, "KEY=VALUE");
        ck_assert_ptr_null(ec->user);
        ck_assert_ptr_null(ec->env);
        bl_exec_config_free(ec);

        bl_image_config *ic;
        ck_assert_int_eq(bl_image_config_new(ctx, &ic), 0);
        assert_failed(bl_image_config_set_source(ic, BL_IMAGE_SOURCE_DIR, NULL), EINVAL, "image source");
        ck_assert_int_eq(ic->source, BL_IMAGE_SOURCE_BUSYBOX);
        bl_image_config_free(ic);

        /* a config without a context: the errno alone */
        bl_container_config *bare;
        ck_assert_int_eq(bl_container_config_new(NULL, &bare), 0);
        ck_assert_int_eq(bl_container_config_set_memory(bare, 1), -EINVAL);
        ck_assert_int_eq(bl_container_config_set_cpus(bare, "99"), -ERANGE);
        bl_container_config_free(bare);
}
END_TEST

/* A state root that does not exist lists nothing silently no more. */
START_TEST(test_missing_root)
{
        bl_ctx *c;
        _cleanup_free_ char *gone = strdup_printf("%s/no-such-root", root);
        ck_assert_int_eq(bl_ctx_new(&c, gone), 0);
        bl_record_list *list = NULL;
        ck_assert_int_eq(bl_container_list(c, 1, &list), -ENOENT);
        ck_assert_ptr_null(list);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(c), "no-such-root"));
        ck_assert_int_eq(bl_image_list(c, &list), -ENOENT);
        ck_assert_int_eq(bl_bridge_list(c, &list), -ENOENT);
        ck_assert_ptr_null(list);
        bl_ctx_free(c);
        /* an empty root (nothing made in it yet) is an empty listing */
        ck_assert_int_eq(bl_ctx_new(&c, root), 0);
        ck_assert_int_eq(bl_container_list(c, 1, &list), 0);
        ck_assert_uint_eq(bl_record_list_count(list), 0);
        bl_record_list_free(list);
        bl_ctx_free(c);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("config");
        TCase *tc = tcase_create("config");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_limits);
        tcase_add_test(tc, test_text);
        tcase_add_test(tc, test_exec_and_image);
        tcase_add_test(tc, test_missing_root);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
