/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "helpers.h"

Suite *suite_limits(void);
Suite *suite_limits(void)
{
        Suite *s = suite_create("limits");
        TCase *tc = tcase_create("limits");
        suite_add_tcase(s, tc);
        return s;
}
