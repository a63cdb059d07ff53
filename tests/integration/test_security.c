/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "helpers.h"

Suite *suite_security(void);
Suite *suite_security(void)
{
        Suite *s = suite_create("security");
        TCase *tc = tcase_create("security");
        suite_add_tcase(s, tc);
        return s;
}
