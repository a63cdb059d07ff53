/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "helpers.h"

Suite *suite_check(void);
Suite *suite_check(void)
{
        Suite *s = suite_create("check");
        TCase *tc = tcase_create("check");
        suite_add_tcase(s, tc);
        return s;
}
