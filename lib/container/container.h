/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The only layer that composes the backends: store, disk, runtime, cgroup, net. */
#pragma once

#include "cgroup/cgroup.h"
#include "core/core.h"
#include "core/record.h"
#include "net/net.h"
#include "store/model.h"

#define MAX_NETS 8
#define LOG_MAX_DEFAULT (8u << 20)
#define STOP_TIMEOUT_DEFAULT 10

struct net_request {
        char *bridge;
        char *address;          /* NULL: allocate */
};

struct disk_request {
        char *device;           /* NULL: the container's own disk */
        uint64_t read_bps, write_bps;
};

struct bl_container_config {
        bl_ctx *ctx;            /* where setters report (may be NULL) */
        char *image;
        char **argv;
        char **entrypoint;
        char **env;
        char *workdir;
        char *hostname;
        char *user;
        uint64_t memory;
        char *cpus;
        double cpu_quota;
        uint64_t pids;
        struct disk_request disk[4];
        size_t ndisk;
        char **device_rules;    /* "a RULE" / "d RULE" */
        struct net_request nets[MAX_NETS];
        size_t nnets;
        char *restart;
        char **cap_add, **cap_drop;
        int privileged;         /* -1 unset */
        int seccomp;            /* -1 unset */
        int tty;
        int auto_remove;
        int userns;
        uint32_t userns_start, userns_count;
};

struct bl_exec_config {
        bl_ctx *ctx;            /* where setters report (may be NULL) */
        char **argv;
        char **env;
        char *workdir;
        char *user;
        int tty;
        bool stdio_set;         /* else the caller's 0, 1, 2 */
        int stdio[3];
};

struct bl_process {
        pid_t pid;
        int pidfd;
        int ptmx;
        int status_fd;          /* exec: its relay writes the code there (runtime_wait) */
        char *container;        /* set for a container's init: finalised after wait */
};

/* Paths of a container's files. */
char *container_dir(bl_ctx *ctx, const char *name);
char *container_file(bl_ctx *ctx, const char *name, const char *file);

/* Saves a container's manifest, and a copy of it in the container's folder
 * (when the folder exists): what check rebuilds the store from when the
 * manifest is lost or corrupt while the container runs. */
int container_save(bl_ctx *ctx, const struct container_model *m);
/* The manifest, else that copy (*ret_from_copy tells which). */
int container_load_any(bl_ctx *ctx, const char *name, struct container_model *m, bool *ret_from_copy);
/* Names of every container the root knows of: manifests (readable or not)
 * and folders. */
int container_names(bl_ctx *ctx, char ***ret);

/* Loads a container manifest, validating the name. */
int container_load(bl_ctx *ctx, const char *name, struct container_model *m);
/* The store's lock, then the manifest (the lock is released on failure). */
int container_lock_load(bl_ctx *ctx, const char *name, int *ret_lock, struct container_model *m);

/* The truth about a recorded container: "running" when its init lives with
 * the recorded start time, else "exited" (or "created"). */
typedef enum live_state { LIVE_CREATED, LIVE_RUNNING, LIVE_DEAD } live_state;
live_state container_liveness(const struct container_model *m);
bool container_same_run(const struct container_model *m, struct run_id id);

/* The container's cgroup below baleine/: "NAME@ROOTID", so that two state
 * roots' containers of one name never share one.  A started container
 * records it ("cgroup" key); one never started gets it computed. */
#define CGNAME_MAX 128
const char *container_cgroup(bl_ctx *ctx, const struct container_model *m, char buf[CGNAME_MAX]);

/* Refuses when the state root's free space cannot back `size` more bytes
 * of a container's disk (a sparse copy that could not grow would lose
 * data silently: the kernel aborts the ext4 journal). */
int container_space_check(bl_ctx *ctx, const char *name, uint64_t size);

/* Whether a container's disk is still attached to a loop device (a run
 * baleine may have lost track of): waits briefly for a dying one to go. */
bool container_disk_busy(bl_ctx *ctx, const char *name);

/* Marks a dead container exited (status from its exit-status file, OOM from
 * its cgroup), removes its cgroup and leftover veth ends, refreshes hosts
 * files.  Under the lock.  *ret_changed tells whether anything changed.
 * A run that is alive is never finalized: it is left as it is. */
int container_finalize(bl_ctx *ctx, struct container_model *m, bool *ret_changed);

/* Starts a container whose manifest is loaded, under the lock. */
/* stdio: the caller's descriptors for an attached start (BL_START_ATTACH), else NULL */
int container_start_locked(bl_ctx *ctx, struct container_model *m, unsigned flags, const int *stdio, bl_process **ret);
/* A user's start (clears its stop and restart counts). */
int container_start_user(bl_ctx *ctx, const char *name, unsigned flags, const int *stdio, bl_process **ret);
/* The program's identity and confinement (start and exec share it). */
struct run_security;
int program_security(bl_ctx *ctx, const struct container_model *m, const char *user_override, struct run_security *sec);

/* limits.c: the one mapping config -> model limits -> cgroup limits. */
/* A config's limits (only those set) into the model's; validates disk devices. */
int limits_from_config(bl_ctx *ctx, const bl_container_config *cfg, struct container_limits *out);
/* The cgroup backend's view of the model's limits (the strings stay the
 * model's; device_rules is a copy for limits_free).  loop_nr < 0: the own
 * disk's bandwidth is left out (unknown while stopped). */
int limits_to_cg(bl_ctx *ctx, const struct container_model *m, struct cg_limits *lim, int loop_nr);
/* An update: what src sets replaces dst's (src's strings move). */
void limits_merge(struct container_limits *dst, struct container_limits *src);
/* The settable limits only, for validation before anything is recorded. */
void limits_cg_view(const struct container_limits *l, struct cg_limits *lim);
void limits_free(struct cg_limits *lim);
int cgroup_host(bl_ctx *ctx, struct cg_host *ret);

/* network.c */
/* Allocates addresses and host interface names for cfg's networks and
 * records them in m->nets (under the lock). */
int network_assign(bl_ctx *ctx, const bl_container_config *cfg, struct container_model *m);
/* Rewrites the hosts file of every bridge (in place: it is bind-mounted). */
int hosts_refresh(bl_ctx *ctx);
char *hosts_path(bl_ctx *ctx, const char *bridge);
/* Loads a bridge's manifest; makes sure it exists in the kernel. */
int bridge_ensure(bl_ctx *ctx, const char *bridge, uint32_t *ret_addr, int *ret_prefix);
/* The end of a bridge's removal, once its manifest says "removing" (under
 * the lock): the kernel bridge, the hosts file, the manifest. */
int bridge_finish_remove(bl_ctx *ctx, const char *name);
/* Deletes host ends of the container's veths that are still there. */
void network_cleanup(bl_ctx *ctx, const struct container_model *m);
/* Whether one of m's interfaces is on `bridge`. */
bool network_uses(const struct container_model *m, const char *bridge);

/* The listing and inspect record of a model: its manifest's keys and the
 * computed ones (uptime, addresses, limits).  The only place a container
 * becomes a bl_record. */
int container_record(const struct container_model *m, bl_record **ret);

/* list.c: a container's model, a dead run marked exited first (under the
 * lock; in memory only on a read-only root): what inspect and info show. */
int container_load_truth(bl_ctx *ctx, const char *name, struct container_model *m);

/* pause.c: whether the kernel holds the running container frozen (the
 * freezer is the only record of a pause: never the manifest); state
 * "paused" in the public record of a model that is; thaws it (for stop
 * and kill). */
bool container_paused(bl_ctx *ctx, const struct container_model *m);
int container_show_paused(bl_ctx *ctx, const struct container_model *m, bl_record *rec);
int container_thaw(bl_ctx *ctx, const struct container_model *m);

/* "exit 3" / "signal 9" of the exit-status file into a Docker-style code. */
int exit_status_read(const char *path, int *ret_code, int *ret_signal);
