/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cgroup/devices_bpf.h"
#include "unit.h"

START_TEST(test_rule_parse)
{
        struct dev_rule r;
        ck_assert_int_eq(dev_rule_parse("c 1:3 rwm", true, &r), 0);
        ck_assert_int_eq(r.type, 'c');
        ck_assert_int_eq(r.major, 1);
        ck_assert_int_eq(r.minor, 3);
        ck_assert_uint_eq(r.access, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD);
        ck_assert_int_eq(dev_rule_parse("b *:* r", false, &r), 0);
        ck_assert_int_eq(r.major, -1);
        ck_assert_int_eq(r.minor, -1);
        ck_assert(!r.allow);
        static const char *const bad[] = { "x 1:3 rwm", "c 1 rwm", "c 1:3", "c 1:3 rwx", "c a:3 r", "c 1:3 r extra", "", NULL };
        for (size_t i = 0; bad[i]; i++)
                ck_assert_msg(dev_rule_parse(bad[i], true, &r) < 0, "accepted \"%s\"", bad[i]);
}
END_TEST

START_TEST(test_program_shape)
{
        struct dev_rule rules[2];
        ck_assert_int_eq(dev_rule_parse("c 1:3 rw", true, &rules[0]), 0);
        ck_assert_int_eq(dev_rule_parse("a *:* m", false, &rules[1]), 0);
        struct bpf_insn *p;
        size_t n;
        ck_assert_int_eq(devices_bpf_build(rules, 2, false, &p, &n), 0);
        /* 6 loads, rule 1: 3 checks + 5, rule 2: 5, final 2 */
        ck_assert_uint_eq(n, 6 + 8 + 5 + 2);
        /* every jump lands inside the program */
        for (size_t i = 0; i < n; i++)
                if (BPF_CLASS(p[i].code) == BPF_JMP && BPF_OP(p[i].code) != BPF_EXIT)
                        ck_assert_uint_lt(i + 1 + (size_t) p[i].off, n);
        ck_assert_int_eq(p[n - 2].imm, 0); /* default: deny */
        free(p);
        ck_assert_int_eq(devices_bpf_build(rules, 2, true, &p, &n), 0);
        ck_assert_uint_eq(n, 8);
        ck_assert_int_eq(p[n - 2].imm, 1);
        free(p);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("devices");
        TCase *tc = tcase_create("devices");
        tcase_add_test(tc, test_rule_parse);
        tcase_add_test(tc, test_program_shape);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
