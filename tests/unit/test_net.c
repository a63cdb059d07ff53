/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "net/net.h"
#include "unit.h"

START_TEST(test_alloc)
{
        uint32_t a;
        /* 10.0.0.1/29: hosts .1-.6, bridge .1 */
        ck_assert_int_eq(net_alloc_addr(0x0a000001, 29, NULL, 0, &a), 0);
        ck_assert_uint_eq(a, 0x0a000002);
        uint32_t used[] = { 0x0a000002, 0x0a000004 };
        ck_assert_int_eq(net_alloc_addr(0x0a000001, 29, used, 2, &a), 0);
        ck_assert_uint_eq(a, 0x0a000003);
        uint32_t full[] = { 2, 3, 4, 5, 6 };
        for (size_t i = 0; i < 5; i++)
                full[i] += 0x0a000000;
        ck_assert_int_eq(net_alloc_addr(0x0a000001, 29, full, 5, &a), -ENOSPC);
        /* the bridge in the middle of the range is skipped too */
        ck_assert_int_eq(net_alloc_addr(0x0a000005, 29, used, 2, &a), 0);
        ck_assert_uint_eq(a, 0x0a000001);
        ck_assert_int_eq(net_alloc_addr(0x0a000001, 31, NULL, 0, &a), -EINVAL);
}
END_TEST

START_TEST(test_overlap)
{
        ck_assert(net_subnets_overlap(0x0a580001, 16, 0x0a58ff01, 24));
        ck_assert(net_subnets_overlap(0x0a000001, 8, 0x0a580001, 16));
        ck_assert(!net_subnets_overlap(0x0a580001, 16, 0x0a590001, 16));
        ck_assert(net_in_subnet(0x0a5800fe, 0x0a580001, 24));
        ck_assert(!net_in_subnet(0x0a5801fe, 0x0a580001, 24));
}
END_TEST

START_TEST(test_ifname)
{
        char a[IFNAMSIZ_], b[IFNAMSIZ_], c[IFNAMSIZ_], d[IFNAMSIZ_];
        net_host_ifname("r1", "a-very-long-container-name-that-goes-on", 7, 0, a);
        ck_assert_uint_le(strlen(a), 15);
        net_host_ifname("r1", "web1", 0, 0, b);
        net_host_ifname("r1", "web1", 0, 0, c);
        ck_assert_str_eq(b, c); /* stable */
        net_host_ifname("r1", "web1", 1, 0, c);
        ck_assert_str_ne(b, c);
        net_host_ifname("r1", "web1", 0, 1, d);
        ck_assert_str_ne(b, d); /* a salt gives another name on collision */
        net_host_ifname("r2", "web1", 0, 0, d);
        ck_assert_str_ne(b, d); /* two state roots' "web1" never share a veth */
}
END_TEST

int main(void)
{
        Suite *s = suite_create("net");
        TCase *tc = tcase_create("net");
        tcase_add_test(tc, test_alloc);
        tcase_add_test(tc, test_overlap);
        tcase_add_test(tc, test_ifname);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
