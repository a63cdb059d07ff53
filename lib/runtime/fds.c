/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Descriptors a process takes into a container: only those it names.  No
 * library beyond libc: the static init uses it too. */
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime.h"

static int cmp_int(const void *a, const void *b)
{
        return (*(const int *) a > *(const int *) b) - (*(const int *) a < *(const int *) b);
}

void close_fds_except(const int *keep, size_t n)
{
        int k[64];
        size_t m = 0;
        for (size_t i = 0; i < n && m < ARRAY_SIZE(k); i++)
                if (keep[i] > 2)
                        k[m++] = keep[i];
        qsort(k, m, sizeof(int), cmp_int);
        unsigned from = 3;
        for (size_t i = 0; i < m; i++) {
                if ((unsigned) k[i] > from)
                        syscall(SYS_close_range, from, (unsigned) k[i] - 1, 0);
                from = (unsigned) k[i] + 1;
        }
        syscall(SYS_close_range, from, ~0U, 0);
}
