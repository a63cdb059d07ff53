/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>

#include "runtime.h"

int proc_starttime(pid_t pid, uint64_t *ret)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        _cleanup_free_ char *s = NULL;
        int r = read_file(path, &s, NULL);
        if (r < 0)
                return r;
        /* comm may hold spaces and parentheses: fields start after the last ')' */
        char *p = strrchr(s, ')');
        if (!p)
                return -EBADMSG;
        p++;
        /* p is at the space before field 3; step to the one before field 22 */
        for (int field = 3; field < 22; field++) {
                p = strchr(p + 1, ' ');
                if (!p)
                        return -EBADMSG;
        }
        unsigned long long v;
        if (sscanf(p, " %llu", &v) != 1)
                return -EBADMSG;
        *ret = v;
        return 0;
}

int proc_open_verified(pid_t pid, uint64_t starttime, int *ret_pidfd)
{
        if (pid <= 1)
                return -ESRCH;
        int fd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (fd < 0)
                return -errno;
        /* check after opening: the pidfd pins this process, so a match now
         * means the fd refers to the process we recorded */
        uint64_t st;
        if (proc_starttime(pid, &st) < 0 || st != starttime) {
                close(fd);
                return -ESRCH;
        }
        *ret_pidfd = fd;
        return 0;
}
