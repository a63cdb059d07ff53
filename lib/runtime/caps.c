/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Capability sets with capset(2) and the bounding set.  No library beyond
 * libc: the static init uses it too. */
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime.h"

static const char *const cap_names[] = {
        "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
        "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
        "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
        "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
        "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
        "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
};



uint64_t caps_default(void)
{
        /* Docker's default set */
        return BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_FSETID) | BIT(CAP_FOWNER) | BIT(CAP_MKNOD) |
               BIT(CAP_NET_RAW) | BIT(CAP_SETGID) | BIT(CAP_SETUID) | BIT(CAP_SETFCAP) | BIT(CAP_SETPCAP) |
               BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SYS_CHROOT) | BIT(CAP_KILL) | BIT(CAP_AUDIT_WRITE);
}

static int last_cap(void)
{
        static int last = -1;
        if (last < 0) {
                char buf[16] = "";
                int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
                if (fd >= 0) {
                        if (read(fd, buf, sizeof(buf) - 1) < 0)
                                buf[0] = 0;
                        close(fd);
                }
                last = atoi(buf);
                if (last <= 0 || last >= (int) ARRAY_SIZE(cap_names))
                        last = (int) ARRAY_SIZE(cap_names) - 1;
        }
        return last;
}

uint64_t caps_all(void)
{
        return (last_cap() >= 63) ? ~0ULL : (BIT(last_cap() + 1) - 1);
}

int cap_from_name(const char *name, uint64_t *ret)
{
        if (strcasecmp(name, "ALL") == 0) {
                *ret = caps_all();
                return 0;
        }
        if (strncasecmp(name, "CAP_", 4) == 0)
                name += 4;
        for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
                if (strcasecmp(cap_names[i], name) == 0) {
                        *ret = BIT(i);
                        return 0;
                }
        return -EINVAL;
}

int capset_mask(uint64_t eff, uint64_t perm, uint64_t inh)
{
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = {
                { .effective = (uint32_t) eff, .permitted = (uint32_t) perm, .inheritable = (uint32_t) inh },
                { .effective = (uint32_t) (eff >> 32), .permitted = (uint32_t) (perm >> 32), .inheritable = (uint32_t) (inh >> 32) },
        };
        return (int) syscall(SYS_capset, &h, d);
}

uint64_t caps_current(void)
{
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = { 0 };
        if (syscall(SYS_capget, &h, d) < 0)
                return 0;
        return (uint64_t) d[0].permitted | ((uint64_t) d[1].permitted << 32);
}

int drop_bounding(uint64_t keep)
{
        for (int c = 0; c <= last_cap(); c++)
                if (!(keep & BIT(c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
                        return -errno;
        return 0;
}

void security_drop_all(void)
{
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
        drop_bounding(0);
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        capset_mask(0, 0, 0);
}

