/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <grp.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <sched.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "runtime.h"

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

static scmp_filter_ctx build_filter(uint64_t caps)
{
        scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
        if (!f)
                return NULL;
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
        (void) r;
        return f;
}

int seccomp_prepare(uint64_t caps, struct sock_fprog *ret)
{
        scmp_filter_ctx f = build_filter(caps);
        if (!f)
                return -ENOMEM;
        int fd = memfd_create("seccomp", MFD_CLOEXEC), r = -EIO;
        if (fd >= 0 && seccomp_export_bpf(f, fd) == 0) {
                off_t size = lseek(fd, 0, SEEK_END);
                struct sock_filter *prog = size > 0 ? malloc((size_t) size) : NULL;
                if (prog && pread(fd, prog, (size_t) size, 0) == size) {
                        ret->filter = prog;
                        ret->len = (unsigned short) ((size_t) size / sizeof(struct sock_filter));
                        r = 0;
                } else
                        free(prog);
        }
        if (fd >= 0)
                close(fd);
        seccomp_release(f);
        return r;
}
