/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>

#include "runtime.h"

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
