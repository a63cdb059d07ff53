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
#include <sys/socket.h>
#include <sys/syscall.h>

#include "runtime.h"

/* The default filter: at least as strict as Docker's default profile for
 * every call that profile refuses (moby profiles/seccomp/default.json),
 * with the same capability conditions, and stricter for a few. Refusals
 * are EPERM, never a kill, so programs degrade gracefully. Its model is a
 * list of refusals (what libseccomp does not know passes). */

#define CALL(n) { #n, SCMP_SYS(n) }
struct call {
        const char *name;
        int nr;                 /* libseccomp's number: negative for a call of another ABI only */
};

/* Refused whatever the capabilities: the kernel's and the host's state
 * (modules of old, keyrings, kexec, swap, io_uring's second syscall
 * surface, userfaultfd's race windows). */
static const struct call denied_calls[] = {
        CALL(kexec_load), CALL(kexec_file_load), CALL(create_module), CALL(get_kernel_syms), CALL(query_module),
        CALL(uselib), CALL(_sysctl), CALL(sysfs), CALL(ustat), CALL(vm86), CALL(vm86old), CALL(nfsservctl),
        CALL(keyctl), CALL(add_key), CALL(request_key), CALL(userfaultfd), CALL(swapon), CALL(swapoff),
        CALL(io_uring_setup), CALL(io_uring_enter), CALL(io_uring_register), CALL(pivot_root),
        CALL(name_to_handle_at), /* Docker allows it; its pair is refused: nothing to use it for */
};

/* Refused unless the container keeps one of `caps` (Docker's conditions). */
static const struct {
        struct call call;
        uint64_t caps;
} cap_calls[] = {
#define ADMIN BIT(CAP_SYS_ADMIN)
        { CALL(mount), ADMIN }, { CALL(umount), ADMIN }, { CALL(umount2), ADMIN }, { CALL(move_mount), ADMIN },
        { CALL(open_tree), ADMIN }, { CALL(fsopen), ADMIN }, { CALL(fsmount), ADMIN }, { CALL(fsconfig), ADMIN },
        { CALL(fspick), ADMIN }, { CALL(mount_setattr), ADMIN }, { CALL(unshare), ADMIN }, { CALL(setns), ADMIN },
        { CALL(fanotify_init), ADMIN }, { CALL(lookup_dcookie), ADMIN }, { CALL(quotactl), ADMIN },
        { CALL(quotactl_fd), ADMIN }, { CALL(sethostname), ADMIN }, { CALL(setdomainname), ADMIN },
        { CALL(bpf), ADMIN | BIT(CAP_BPF) }, { CALL(perf_event_open), ADMIN | BIT(CAP_PERFMON) },
        { CALL(syslog), ADMIN | BIT(CAP_SYSLOG) },
        { CALL(reboot), BIT(CAP_SYS_BOOT) }, { CALL(chroot), BIT(CAP_SYS_CHROOT) },
        { CALL(init_module), BIT(CAP_SYS_MODULE) }, { CALL(finit_module), BIT(CAP_SYS_MODULE) },
        { CALL(delete_module), BIT(CAP_SYS_MODULE) }, { CALL(acct), BIT(CAP_SYS_PACCT) },
        /* Docker allows ptrace and process_vm_* to all: here only with the capability */
        { CALL(ptrace), BIT(CAP_SYS_PTRACE) }, { CALL(process_vm_readv), BIT(CAP_SYS_PTRACE) },
        { CALL(process_vm_writev), BIT(CAP_SYS_PTRACE) }, { CALL(kcmp), BIT(CAP_SYS_PTRACE) },
        { CALL(pidfd_getfd), BIT(CAP_SYS_PTRACE) }, { CALL(process_madvise), BIT(CAP_SYS_PTRACE) },
        { CALL(iopl), BIT(CAP_SYS_RAWIO) }, { CALL(ioperm), BIT(CAP_SYS_RAWIO) },
        /* clock_adjtime stays open, as with Docker: glibc's adjtimex and
         * ntp_gettime read the clock through it; setting needs CAP_SYS_TIME */
        { CALL(settimeofday), BIT(CAP_SYS_TIME) }, { CALL(stime), BIT(CAP_SYS_TIME) },
        { CALL(clock_settime), BIT(CAP_SYS_TIME) }, { CALL(clock_settime64), BIT(CAP_SYS_TIME) },
        { CALL(vhangup), BIT(CAP_SYS_TTY_CONFIG) },
        { CALL(get_mempolicy), BIT(CAP_SYS_NICE) }, { CALL(set_mempolicy), BIT(CAP_SYS_NICE) },
        { CALL(mbind), BIT(CAP_SYS_NICE) }, { CALL(move_pages), BIT(CAP_SYS_NICE) },
        { CALL(open_by_handle_at), BIT(CAP_DAC_READ_SEARCH) },
#undef ADMIN
};

/* personality(2) values Docker allows: Linux, with 32-bit addresses, with
 * UNAME26, both, and the query. The rest (ADDR_NO_RANDOMIZE,
 * READ_IMPLIES_EXEC...) would weaken the container's own hardening. */
static const uint32_t personality_allowed[] = { 0x0, 0x8, 0x20000, 0x20008, 0xffffffff };

/* CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET: namespaces by
 * clone need CAP_SYS_ADMIN, as by unshare (Docker's mask 0x7E020000). */
static const uint64_t clone_ns_flags[] = {
        CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
};

#define FILTER_FAIL(r, ...) do { error_set(err, -(r), __VA_ARGS__); return (r); } while (0)

static int add(scmp_filter_ctx f, uint32_t action, const struct call *c, unsigned n, const struct scmp_arg_cmp *args,
               struct error *err)
{
        int r = seccomp_rule_add_array(f, action, c->nr, n, args);
        if (r < 0)
                FILTER_FAIL(r, "seccomp: cannot add the rule for %s: %s", c->name, strerror(-r));
        return 0;
}

/* Refuses every 32-bit value of the first argument but `allowed` (sorted):
 * libseccomp ANDs no two tests of one argument, so each gap between allowed
 * values is cut into aligned power-of-two blocks, one masked test each. */
static int deny_all_but(scmp_filter_ctx f, const struct call *c, const uint32_t *allowed, size_t n, struct error *err)
{
        uint64_t lo = 0;
        for (size_t i = 0; i <= n; i++) {
                uint64_t hi = i < n ? (uint64_t) allowed[i] : UINT64_C(0x100000000); /* the gap is [lo, hi) */
                while (lo < hi) {
                        uint64_t size = lo ? lo & -lo : UINT64_C(0x100000000);
                        while (lo + size > hi)
                                size >>= 1;
                        /* the mask's high half is 0: the kernel reads an unsigned int */
                        struct scmp_arg_cmp cmp = SCMP_A0_64(SCMP_CMP_MASKED_EQ, (uint32_t) ~(size - 1), lo);
                        int r = add(f, SCMP_ACT_ERRNO(EPERM), c, 1, &cmp, err);
                        if (r < 0)
                                return r;
                        lo += size;
                }
                lo = i < n ? (uint64_t) allowed[i] + 1 : lo;
        }
        return 0;
}

static int build_filter(uint64_t caps, scmp_filter_ctx *ret, struct error *err)
{
        scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
        int r;
        if (!f)
                FILTER_FAIL(-ENOMEM, "seccomp: cannot make a filter: %s", strerror(ENOMEM));
#if defined(__x86_64__)
        /* the same rules on the 32-bit ABIs: int 0x80 must not bypass them */
        static const uint32_t arches[] = { SCMP_ARCH_X86, SCMP_ARCH_X32 };
        for (size_t i = 0; i < ARRAY_SIZE(arches); i++)
                if ((r = seccomp_arch_add(f, arches[i])) < 0 && r != -EEXIST) {
                        error_set(err, -r, "seccomp: cannot add a 32-bit ABI: %s", strerror(-r));
                        goto fail;
                }
#endif
        for (size_t i = 0; i < ARRAY_SIZE(denied_calls); i++)
                if ((r = add(f, SCMP_ACT_ERRNO(EPERM), &denied_calls[i], 0, NULL, err)) < 0)
                        goto fail;
        for (size_t i = 0; i < ARRAY_SIZE(cap_calls); i++)
                if (!(caps & cap_calls[i].caps) &&
                    (r = add(f, SCMP_ACT_ERRNO(EPERM), &cap_calls[i].call, 0, NULL, err)) < 0)
                        goto fail;
        static const struct call personality = CALL(personality), socket_call = CALL(socket), clone = CALL(clone),
                                 clone3 = CALL(clone3);
        if ((r = deny_all_but(f, &personality, personality_allowed, ARRAY_SIZE(personality_allowed), err)) < 0)
                goto fail;
        /* no vsock: the channel to the hypervisor's host, not the container's
         * network (EPERM as Docker; the kernel's own answer would be
         * EAFNOSUPPORT, and a test could not tell the filter from it) */
        /* its low 32 bits: the kernel reads an int, the filter all 64 */
        struct scmp_arg_cmp vsock = SCMP_A0_64(SCMP_CMP_MASKED_EQ, 0xffffffff, AF_VSOCK);
        if ((r = add(f, SCMP_ACT_ERRNO(EPERM), &socket_call, 1, &vsock, err)) < 0)
                goto fail;
        if (!(caps & BIT(CAP_SYS_ADMIN))) {
                for (size_t i = 0; i < ARRAY_SIZE(clone_ns_flags); i++) {
                        struct scmp_arg_cmp ns = SCMP_A0_64(SCMP_CMP_MASKED_EQ, clone_ns_flags[i], clone_ns_flags[i]);
                        if ((r = add(f, SCMP_ACT_ERRNO(EPERM), &clone, 1, &ns, err)) < 0)
                                goto fail;
                }
                /* clone3's flags are behind a pointer: ENOSYS, as Docker, so libc
                 * falls back to clone, whose flags the filter sees */
                if ((r = add(f, SCMP_ACT_ERRNO(ENOSYS), &clone3, 0, NULL, err)) < 0)
                        goto fail;
        }
        *ret = f;
        return 0;
fail:
        seccomp_release(f);
        return r;
}

int seccomp_prepare(uint64_t caps, struct sock_fprog *ret, struct error *err)
{
        struct error ignored;
        if (!err)
                err = &ignored;
        scmp_filter_ctx f;
        int r = build_filter(caps, &f, err);
        if (r < 0)
                return r;
        int fd = memfd_create("seccomp", MFD_CLOEXEC);
        r = fd < 0 ? -errno : seccomp_export_bpf(f, fd);
        if (r == 0) {
                off_t size = lseek(fd, 0, SEEK_END);
                struct sock_filter *prog = size > 0 ? malloc((size_t) size) : NULL;
                if (prog && pread(fd, prog, (size_t) size, 0) == size) {
                        ret->filter = prog;
                        ret->len = (unsigned short) ((size_t) size / sizeof(struct sock_filter));
                } else {
                        free(prog);
                        r = -EIO;
                }
        }
        if (r < 0)
                error_set(err, -r, "seccomp: cannot export the filter: %s", strerror(-r));
        if (fd >= 0)
                close(fd);
        seccomp_release(f);
        return r;
}
