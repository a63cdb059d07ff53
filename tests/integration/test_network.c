/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every test runs in a private network namespace made by the fixture. */
#include <sys/wait.h>
#include <time.h>

#include "helpers.h"

static void add_bridge(const char *name, const char *cidr)
{
        int r = bl_bridge_create(ctx, name, cidr);
        ck_assert_msg(r == 0, "bridge %s: %s", name, bl_ctx_errmsg(ctx));
}

static bl_container_config *net_config(const char *bridge, const char *addr)
{
        bl_container_config *cfg = shell_config("");
        ck_assert_int_eq(bl_container_config_add_network(cfg, bridge, addr), 0);
        return cfg;
}

START_TEST(test_two_containers)
{
        add_bridge("bltbr0", "10.77.0.1/24");
        bl_container_config *cfg = net_config("bltbr0", NULL);
        start_shell("bltweb", "mkdir /www && echo served-by-bltweb > /www/index.html && exec httpd -f -p 80 -h /www", cfg);
        bl_container_config_free(cfg);
        cfg = net_config("bltbr0", "10.77.0.50");
        start_shell("bltcli", "exec sleep 1000", cfg);
        bl_container_config_free(cfg);
        nanosleep(&(struct timespec) { 0, 300 * 1000 * 1000 }, NULL);

        char *addr = inspect_key("bltweb", "address");
        ck_assert_str_eq(addr, "10.77.0.2");
        free(addr);
        char *out;
        char *by_addr[] = { (char *) "ping", (char *) "-c1", (char *) "-W2", (char *) "10.77.0.2", NULL };
        ck_assert_int_eq(exec_capture("bltcli", by_addr, NULL), 0);
        char *by_name[] = { (char *) "wget", (char *) "-q", (char *) "-O-", (char *) "http://bltweb/", NULL };
        ck_assert_int_eq(exec_capture("bltcli", by_name, &out), 0);
        ck_assert_str_eq(out, "served-by-bltweb\n");
        free(out);
        /* the host reaches a container through the bridge */
        char *page = http_get("10.77.0.2", 80);
        ck_assert_msg(page && strstr(page, "served-by-bltweb"), "%s", page ? page : "(nothing)");
        free(page);
        /* inside: default route through the bridge's address */
        char *route[] = { (char *) "ip", (char *) "route", NULL };
        ck_assert_int_eq(exec_capture("bltcli", route, &out), 0);
        ck_assert_msg(strstr(out, "default via 10.77.0.1 dev eth0"), "%s", out);
        free(out);
        /* the bridge refuses to go while containers use it */
        ck_assert_int_eq(bl_bridge_remove(ctx, "bltbr0", 0), -EBUSY);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "2 containers are attached"));
        /* stop: the veth goes with the netns; start: same address back */
        ck_assert_int_eq(bl_container_stop(ctx, "bltweb", 2), 0);
        assert_no_leaks_veth_of("bltweb");
        ck_assert_int_eq(bl_container_start(ctx, "bltweb", 0, NULL), 0);
        addr = inspect_key("bltweb", "address");
        ck_assert_str_eq(addr, "10.77.0.2");
        free(addr);
}
END_TEST

START_TEST(test_two_bridges)
{
        add_bridge("bltbr1", "10.78.0.1/24");
        add_bridge("bltbr2", "10.79.0.1/24");
        bl_container_config *cfg = net_config("bltbr1", NULL);
        ck_assert_int_eq(bl_container_config_add_network(cfg, "bltbr2", "10.79.0.9/24"), 0);
        char *out;
        ck_assert_int_eq(run_shell("blttwo", "ip -o -4 addr show; ping -c1 -W2 10.78.0.1 >/dev/null && echo P1; "
                                             "ping -c1 -W2 10.79.0.1 >/dev/null && echo P2", cfg, &out), 0);
        ck_assert_msg(strstr(out, "eth0") && strstr(out, "10.78.0.2/24"), "%s", out);
        ck_assert_msg(strstr(out, "eth1") && strstr(out, "10.79.0.9/24"), "%s", out);
        ck_assert_msg(strstr(out, "P1") && strstr(out, "P2"), "%s", out);
        free(out);
        bl_container_config_free(cfg);
}
END_TEST

START_TEST(test_parallel_addresses)
{
        add_bridge("bltbr3", "10.80.0.1/24");
        enum { N = 20 };
        pid_t pids[N];
        for (int i = 0; i < N; i++) {
                pids[i] = fork();
                if (pids[i] == 0) {
                        bl_ctx *c;
                        char name[32];
                        snprintf(name, sizeof(name), "bltpar%d", i);
                        if (bl_ctx_new(&c, root) < 0)
                                _exit(1);
                        bl_container_config *cfg = net_config("bltbr3", NULL);
                        _exit(bl_container_create(c, name, cfg) < 0 ? 2 : 0);
                }
        }
        for (int i = 0; i < N; i++) {
                int st;
                waitpid(pids[i], &st, 0);
                ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        }
        bl_record_list *list;
        ck_assert_int_eq(bl_container_list(ctx, 1, &list), 0);
        ck_assert_uint_eq(bl_record_list_count(list), N);
        for (size_t i = 0; i < N; i++)
                for (size_t k = i + 1; k < N; k++)
                        ck_assert_str_ne(bl_record_get(bl_record_list_get(list, i), "address"),
                                         bl_record_get(bl_record_list_get(list, k), "address"));
        bl_record_list_free(list);
}
END_TEST

START_TEST(test_bad_input)
{
        add_bridge("bltbr4", "10.81.0.1/30"); /* one free host address: .2 */
        ck_assert_int_eq(bl_bridge_create(ctx, "bltbr5", "10.81.0.5/16"), -EADDRINUSE);
        ck_assert_str_eq(bl_ctx_errmsg(ctx), "bridge \"bltbr5\": 10.81.0.5/16 overlaps bridge \"bltbr4\" (10.81.0.1/30)");
        ck_assert_int_eq(bl_bridge_create(ctx, "bltbr4", "10.82.0.1/24"), -EEXIST);
        ck_assert_int_eq(bl_bridge_create(ctx, "bltbridgetoolong", "10.83.0.1/24"), -EINVAL);
        ck_assert_int_eq(bl_bridge_create(ctx, "bltbr6", "10.83.0.1"), -EINVAL);
        ck_assert_int_eq(system("ip link add bltforeign type bridge"), 0);
        ck_assert_int_eq(bl_bridge_create(ctx, "bltforeign", "10.84.0.1/24"), -EEXIST);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "already exists"));

        static const struct { const char *bridge, *addr, *msg; int err; } bad[] = {
                { "bltbr4", "10.90.0.2", "is not a host address of bridge", -EINVAL },
                { "bltbr4", "10.81.0.1", "is bridge \"bltbr4\"'s own", -EADDRINUSE },
                { "bltbr4", "10.81.0.3", "is not a host address", -EINVAL },
                { "nosuch", NULL, "no such bridge \"nosuch\"", -ENOENT },
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                bl_container_config *cfg = net_config(bad[i].bridge, bad[i].addr);
                ck_assert_int_eq(bl_container_create(ctx, "bltbad", cfg), bad[i].err);
                ck_assert_msg(strstr(bl_ctx_errmsg(ctx), bad[i].msg), "case %zu: %s", i, bl_ctx_errmsg(ctx));
                bl_container_config_free(cfg);
        }
        /* text that is no address is refused by the setter itself */
        bl_container_config *cfg = shell_config("");
        ck_assert_int_eq(bl_container_config_add_network(cfg, "bltbr4", "garbage"), -EINVAL);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "is not an IPv4 address"));
        bl_container_config_free(cfg);
        cfg = net_config("bltbr4", NULL);
        ck_assert_int_eq(bl_container_create(ctx, "bltfirst", cfg), 0);
        ck_assert_int_eq(bl_container_create(ctx, "bltsecond", cfg), -ENOSPC);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "no free address"));
        bl_container_config_free(cfg);
        cfg = net_config("bltbr4", "10.81.0.2");
        ck_assert_int_eq(bl_container_create(ctx, "bltthird", cfg), -EADDRINUSE);
        bl_container_config_free(cfg);
        bl_record_list *list;
        ck_assert_int_eq(bl_container_list(ctx, 1, &list), 0);
        ck_assert_uint_eq(bl_record_list_count(list), 1);
        bl_record_list_free(list);
        ck_assert_int_eq(system("ip link del bltforeign"), 0);
}
END_TEST

START_TEST(test_bridge_recreated)
{
        add_bridge("bltbr7", "10.85.0.1/24");
        /* after a reboot the kernel has no bridge; the manifest does */
        ck_assert_int_eq(system("ip link del bltbr7"), 0);
        bl_record_list *list;
        ck_assert_int_eq(bl_bridge_list(ctx, &list), 0);
        ck_assert_str_eq(bl_record_get(bl_record_list_get(list, 0), "state"), "missing");
        bl_record_list_free(list);
        bl_container_config *cfg = net_config("bltbr7", NULL);
        char *out;
        ck_assert_int_eq(run_shell("bltre", "ping -c1 -W2 10.85.0.1 >/dev/null && echo REACHED", cfg, &out), 0);
        ck_assert_ptr_nonnull(strstr(out, "REACHED"));
        free(out);
        bl_container_config_free(cfg);
        ck_assert_int_eq(bl_bridge_set_up(ctx, "bltbr7", 0), 0);
        ck_assert_int_eq(bl_bridge_list(ctx, &list), 0);
        ck_assert_str_eq(bl_record_get(bl_record_list_get(list, 0), "state"), "down");
        bl_record_list_free(list);
}
END_TEST

Suite *suite_network(void);
Suite *suite_network(void)
{
        Suite *s = suite_create("network");
        TCase *tc = tcase_create("network");
        tcase_add_checked_fixture(tc, integ_setup_netns, integ_teardown);
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_two_containers);
        tcase_add_test(tc, test_two_bridges);
        tcase_add_test(tc, test_parallel_addresses);
        tcase_add_test(tc, test_bad_input);
        tcase_add_test(tc, test_bridge_recreated);
        suite_add_tcase(s, tc);
        return s;
}
