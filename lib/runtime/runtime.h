/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Processes in new namespaces: clone, rootfs and pivot_root, /dev, PID 1
 * init, capabilities, seccomp.  Takes plain values; knows no manifest. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "core/core.h"
#include "core/owner.h"

struct sock_fprog;
struct run_security {
        const struct sock_fprog *filter; /* seccomp compiled beforehand, or NULL: by program_exec */
        const char *user_name;  /* "name[:group]" resolved in the image after pivot_root, or NULL */
        uint64_t caps;          /* capability mask for the program */
        bool privileged;        /* no seccomp, no masked paths, rw /sys */
        bool seccomp;
        uid_t uid;
        gid_t gid;
};

/* The program a container runs, or a command exec'd into it. */
struct run_program {
        char **argv;
        char **envp;
        const char *workdir;
        struct run_security sec;
        /* stdio[i] >= 0 replaces descriptor i; pty_slave >= 0 becomes all
         * three and the controlling terminal */
        int stdio[3];
        int pty_slave;
        int go_fd;              /* >= 0: wait for a byte on it before executing */
        /* exec: the sealed init, confined, forks the program into the pid
         * namespace it was given and stays outside it, relaying relay[0..2]
         * (the caller's stdio) to and from relay[3..5] (the host ends of
         * the program's pipes: its input, output, errors); -1s with a terminal */
        bool fork;
        int relay[6];
        int status_fd;          /* exec: the relay writes the program's code (int32) there as it ends */
};

struct run_spec {
        const char *name;               /* for messages */
        const char *loop_dev;           /* "/dev/loopN" holding the root filesystem */
        const char *mountpoint;         /* host folder it is mounted on, in the new mount namespace only */
        const char *hostname;
        const char *hosts_file;         /* bound read-only onto /etc/hosts, or NULL */
        const char *console;            /* the terminal's path (host /dev/pts/N), bound on /dev/console */
        /* Output: tty → prog.pty_slave; else relayed by the init into
         * log_fd (rotated into log_old_fd past log_max), and teed to
         * prog.stdio[1] and [2] when >= 0 (attached; prog.stdio[0] is then
         * the program's stdin, else /dev/null). */
        struct run_program prog;
        int log_fd, log_old_fd;
        uint64_t log_max;
        int status_fd;                  /* exit-status, written by the init */
        /* User namespace: container root is host uid/gid userns_start, for
         * userns_count ids; 0 count: none.  The root filesystem is then an
         * idmapped mount made by the parent and handed to the child. */
        uid_t userns_start;
        uint32_t userns_count;

        /* Called in the child, inside its namespaces, before pivot_root
         * (network set-up).  Returns 0 or -errno. */
        int (*child_hook)(void *data, char *err, size_t errlen);
        void *hook_data;
};

struct run_child {
        pid_t pid;
        int pidfd;
        int sync_fd;    /* parent end: releases the child, then reads its report */
};

/* clone.c: a child with no exit signal and a pidfd (*ret_pidfd, in the
 * parent): never reaped by the kernel nor heard by the caller's SIGCHLD
 * handler.  0 in the child, its pid in the parent, -errno. */
pid_t runtime_clone(uint64_t flags, int *ret_pidfd);
/* Waits for the end of the child of pidfd and reaps it when still ours;
 * its code: the int32 it wrote on status_fd (>= 0), else its status (or
 * 128+signal); -ECHILD when another waiter took it and there is no channel. */
int runtime_wait(int pidfd, int status_fd, int *ret_code);
/* In a new child: default dispositions and an empty mask, whatever the
 * host program set. */
void child_reset_signals(void);

/* Clones the child into new pid, mount, net, uts and ipc namespaces; it
 * waits until runtime_release(). */
int runtime_spawn(bl_ctx *ctx, const struct run_spec *spec, struct run_child *ret);
/* Lets the child go on; waits until the program has been executed (0) or
 * has failed to start (-errno, message in ctx; *ret_exit_code 126/127).
 * With a user namespace it first maps the child's ids and hands it its
 * idmapped root filesystem. */
int runtime_release(bl_ctx *ctx, const struct run_spec *spec, struct run_child *child, int *ret_exit_code);

/* userns.c */
/* Writes uid_map and gid_map of pid: 0 → start, count ids. */
int userns_map(bl_ctx *ctx, pid_t pid, uid_t start, uint32_t count);
/* A detached mount of the ext4 filesystem on dev, idmapped with pid's user
 * namespace (fsopen/fsmount, mount_setattr). */
int userns_idmapped_mount(bl_ctx *ctx, const char *dev, pid_t pid, int *ret_fd);
/* The first range of `user` in an /etc/subuid-like file. */
int userns_subid_range(const char *file, const char *user, uid_t *ret_start, uint32_t *ret_count);
/* SCM_RIGHTS over the sync socket */
int send_fd(int sock, char tag, int fd);
int recv_fd(int sock, char *ret_tag, int *ret_fd);
/* Kills and reaps a child that has not been released or failed. */
void runtime_abort(struct run_child *child);

/* program.c: shared by start and exec.  The library resolves the user in
 * the image, compiles the seccomp filter and writes what the program needs
 * into a memfd (struct join_params); then this process becomes the sealed
 * baleine-init (init_fd) in its join mode, which applies it and executes
 * the program.  On failure a report on report_fd and exit 126/127. */
_Noreturn void program_exec(const struct run_program *prog, int report_fd, int init_fd);
/* Executes the sealed baleine-init without effective capabilities, so it
 * starts non-dumpable (it cannot read its execute-only file); returns
 * only on failure, -errno. */
int exec_sealed(int init_fd, char **argv);

/* The sealed init's join mode: "baleine-init --join FD", FD holding one
 * join_params and its tail.  It confines itself (working directory,
 * user, capabilities, no_new_privs, seccomp), then either becomes the
 * program (start: it is already in the container's pid namespace, which
 * holds no process of the container yet) or forks it (exec: only this
 * fork of the sealed copy ever appears in the container's pid namespace,
 * born confined) and waits for it, relaying its pipes.  Its environment is
 * empty: the program's is never that of the static init. */
#define JOIN_MODE "--join"
#define JOIN_MAGIC 0x626c6a31u /* the library and the init of one build */
struct join_params {
        uint32_t magic;
        uint32_t size;          /* of the whole message */
        int32_t report_fd, go_fd;
        int32_t stdio[3], pty_slave;
        int32_t fork, relay[6], status_fd;
        uint32_t uid, gid;
        uint64_t caps;
        uint32_t no_new_privs;
        uint32_t filter_len;    /* struct sock_filter entries that follow; 0: no seccomp */
        uint32_t argc, envc;
        /* then the filter; then NUL-ended strings: workdir, argv..., env... */
};
/* program.c: the message for the program (its user resolved in sec,
 * filter NULL for none) in a close-on-exec memfd; -errno on failure. */
int join_message(const struct run_program *prog, const struct run_security *sec, const struct sock_fprog *filter,
                 int report_fd);
/* join.c, in the static init only */
_Noreturn void join_run(int params_fd);
/* relay.c: the caller's stdio (caller[]) to and from the program's pipes
 * until the program (child) ends; its exit code (128+signal if killed). */
int relay_until_exit(pid_t child, const int caller[3], int in_w, int out_r, int err_r);
/* report.c: what a child says when it cannot start its program: the
 * error object whole, then it exits with exit_code. */
_Noreturn void report_and_exit(int fd, const struct error *e, int exit_code);
/* error_set, then report_and_exit */
_Noreturn void report_fail(int fd, int exit_code, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Reads a report: 0 on EOF (the program was executed), else the child's
 * error adopted into ctx (-errno) and the exit code in *ret_exit_code. */
int report_read(bl_ctx *ctx, int fd, int timeout_ms, int *ret_exit_code);

/* caps.c */
int capset_mask(uint64_t eff, uint64_t perm, uint64_t inh);
uint64_t caps_current(void);
int drop_bounding(uint64_t keep);
/* security.c: the default filter for `caps`, compiled to BPF by the
 * library (the static init loads it as it is); ret->filter is malloc'ed.
 * On failure, why in err (NULL: not wanted). */
int seccomp_prepare(uint64_t caps, struct sock_fprog *ret, struct error *err);
/* Drops every capability (the init). */
void security_drop_all(void);
/* Docker's default capability mask */
uint64_t caps_default(void);
uint64_t caps_all(void);
/* "NET_ADMIN", "CAP_NET_ADMIN", "ALL" → bit(s); -EINVAL unknown. */
int cap_from_name(const char *name, uint64_t *ret_mask);

/* rootfs.c: in the child */
int rootfs_setup(const struct run_spec *spec, int root_mount_fd, struct error *err);

#define BIT(c) (1ULL << (c))

/* init.c: PID 1's loop; never returns.  Plain descriptors, so the static
 * baleine-init program runs the same code. */
struct init_params {
        pid_t program;
        int status_fd;
        int log_fd, log_old_fd;
        uint64_t log_max;
        int relay_fd;           /* the program's output, or -1 */
        int relay_err_fd;       /* its errors when attached (else in relay_fd), or -1 */
        int tee_fd[2];          /* attached: the caller's stdout and stderr, or -1s */
        int go_fd;              /* written once the init is ready; the program waits for it */
        void (*settle)(void);   /* run once the program goes (the static init returns its start-up pages) */
};
_Noreturn void init_run(const struct init_params *p);
/* init_binary.c: a sealed, execute-only memfd copy of the static
 * baleine-init, O_CLOEXEC; a clear error when it is not installed. */
int init_memfd(bl_ctx *ctx, int *ret_fd);

/* fds.c (also in the static init): closes every descriptor but 0, 1, 2
 * and those of keep (-1s ignored): what a process entering a container
 * must not carry in. */
void close_fds_except(const int *keep, size_t n);
/* The signals the init forwards to the program (bl_container_kill refuses the others). */
#define INIT_FORWARDED_SIGNALS SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGQUIT, SIGWINCH, SIGALRM, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU, SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGPWR, SIGURG, SIGABRT
/* proc.c */
/* proc_starttime(): core/owner.h */
/* A pidfd for pid, only if its start time is still `starttime`. */
int proc_open_verified(pid_t pid, uint64_t starttime, int *ret_pidfd);

/* exec.c: runs argv inside the namespaces of init_pid (verified by pidfd);
 * cgroup_procs are files the new process writes its pid to first. */
struct exec_spec {
        int pidfd;
        bool userns;            /* join its user namespace too, as its root */
        bool tty;               /* a terminal from the container's devpts; its master to the caller;
                                 * else pipes, relayed to and from prog.stdio by a host process */
        char **cgroup_procs;
        struct run_program prog;
};
/* A program that cannot start fails with execve's errno (-ENOENT: not
 * found), its message in ctx.  *ret_pidfd: to wait with runtime_wait. */
int runtime_exec(bl_ctx *ctx, const struct exec_spec *spec, pid_t *ret_pid, int *ret_pidfd, int *ret_status_fd,
                 int *ret_ptmx);
