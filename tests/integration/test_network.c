/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "helpers.h"

Suite *suite_network(void);
Suite *suite_network(void)
{
        Suite *s = suite_create("network");
        TCase *tc = tcase_create("network");
        suite_add_tcase(s, tc);
        return s;
}
