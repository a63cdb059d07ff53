/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <grp.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "runtime.h"

static const char *const cap_names[] = {
        "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
        "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
        "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
        "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
        "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
        "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
};

#define BIT(c) (1ULL << (c))

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
                _cleanup_free_ char *s = NULL;
                if (read_line("/proc/sys/kernel/cap_last_cap", &s) == 0)
                        last = atoi(s);
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

static int capset_mask(uint64_t eff, uint64_t perm, uint64_t inh)
{
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = {
                { .effective = (uint32_t) eff, .permitted = (uint32_t) perm, .inheritable = (uint32_t) inh },
                { .effective = (uint32_t) (eff >> 32), .permitted = (uint32_t) (perm >> 32), .inheritable = (uint32_t) (inh >> 32) },
        };
        return (int) syscall(SYS_capset, &h, d);
}

static uint64_t caps_current(void)
{
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = { 0 };
        if (syscall(SYS_capget, &h, d) < 0)
                return 0;
        return (uint64_t) d[0].permitted | ((uint64_t) d[1].permitted << 32);
}

static int drop_bounding(uint64_t keep)
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

/* Calls that let a process reach the host or the kernel's state: denied
 * with EPERM (never a kill, so programs can degrade gracefully). */
static const char *const denied_calls[] = {
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "create_module",
        "reboot", "swapon", "swapoff", "keyctl", "add_key", "request_key", "bpf", "perf_event_open",
        "userfaultfd", "open_by_handle_at", "name_to_handle_at", "settimeofday", "clock_settime",
        "clock_adjtime", "stime", "acct", "lookup_dcookie", "quotactl", "quotactl_fd", "nfsservctl",
        "iopl", "ioperm", "get_kernel_syms", "query_module", "uselib", "_sysctl", "sysfs", "vm86",
        "vm86old", "syslog", "kcmp", "process_vm_readv", "process_vm_writev", "ptrace", "personality",
        "fanotify_init", "setns", "pivot_root",
};
/* The mount family, allowed only when the container keeps CAP_SYS_ADMIN. */
static const char *const mount_calls[] = {
        "mount", "umount", "umount2", "move_mount", "open_tree", "fsopen", "fsmount", "fsconfig", "fspick",
        "mount_setattr", "unshare",
};

static int load_filter(uint64_t caps, char *err, size_t errlen)
{
        scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
        if (!f) {
                snprintf(err, errlen, "seccomp: cannot create a filter");
                return -ENOMEM;
        }
        /* the same rules on the 32-bit ABIs: int 0x80 must not bypass them */
        seccomp_arch_add(f, SCMP_ARCH_X86);
        seccomp_arch_add(f, SCMP_ARCH_X32);
        int r = 0;
        for (size_t i = 0; i < ARRAY_SIZE(denied_calls); i++) {
                int nr = seccomp_syscall_resolve_name(denied_calls[i]);
                if (nr == __NR_SCMP_ERROR)
                        continue;
                if ((strcmp(denied_calls[i], "ptrace") == 0 && (caps & BIT(CAP_SYS_PTRACE))) ||
                    (strcmp(denied_calls[i], "personality") == 0))
                        continue;
                seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), nr, 0);
        }
        if (!(caps & BIT(CAP_SYS_ADMIN)))
                for (size_t i = 0; i < ARRAY_SIZE(mount_calls); i++) {
                        int nr = seccomp_syscall_resolve_name(mount_calls[i]);
                        if (nr != __NR_SCMP_ERROR)
                                seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), nr, 0);
                }
        /* no new user namespace through clone (clone3 is refused with ENOSYS,
         * as Docker does, so libc falls back to clone whose flags we can see) */
        seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                         SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
        seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
        r = seccomp_load(f);
        seccomp_release(f);
        if (r < 0)
                snprintf(err, errlen, "seccomp: cannot load the filter: %s", strerror(-r));
        return r;
}

int security_apply(const struct run_security *sec, char *err, size_t errlen)
{
        uint64_t caps = sec->caps;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
                snprintf(err, errlen, "cannot clear ambient capabilities: %s", strerror(errno));
                return -errno;
        }
        if (drop_bounding(caps) < 0) {
                snprintf(err, errlen, "cannot drop capabilities: %s", strerror(errno));
                return -EPERM;
        }
        if (sec->gid != 0 || sec->uid != 0) {
                if (setgroups(0, NULL) < 0 || setresgid(sec->gid, sec->gid, sec->gid) < 0 ||
                    setresuid(sec->uid, sec->uid, sec->uid) < 0) {
                        snprintf(err, errlen, "cannot become user %u:%u: %s", sec->uid, sec->gid, strerror(errno));
                        return -EPERM;
                }
        }
        /* a non-root user keeps none (as Docker); root keeps the set, never
         * more than the caller has (root here may lack CAP_SYS_RESOURCE) */
        uint64_t c = sec->uid == 0 ? caps & caps_current() : 0;
        if (capset_mask(c, c, 0) < 0) {
                snprintf(err, errlen, "cannot set capabilities: %s", strerror(errno));
                return -EPERM;
        }
        if (!sec->privileged && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
                snprintf(err, errlen, "cannot set no_new_privs: %s", strerror(errno));
                return -EPERM;
        }
        if (sec->seccomp && !sec->privileged)
                return load_filter(caps, err, errlen);
        return 0;
}
