/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <check.h>

static inline int run_suite(Suite *s)
{
        SRunner *sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        int failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? 1 : 0;
}

/* A private temporary folder for one test; removed by rm_tmp(). */
static inline char *make_tmp(void)
{
        char *d = strdup("/tmp/blt-unit.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(d));
        return d;
}
