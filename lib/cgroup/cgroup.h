/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One cgroup per container, "baleine/NAME", behind one interface with a
 * v1 and a v2 backend.  Takes plain values; knows no manifest. */
#pragma once

#include <sys/types.h>

#include "core/core.h"

#define CG_MAX_DISK 8

typedef enum cg_version {
        CG_V1,          /* v1 hierarchies, possibly with a cgroup2 beside them (hybrid) */
        CG_V2,
        _CG_VERSION_INVALID = -1,
} cg_version;

struct cg_host {
        cg_version version;
        bool hybrid;
        char fsroot[256];       /* /sys/fs/cgroup, or a fake tree in tests */
};

struct cg_disk_limit {
        unsigned major, minor;
        uint64_t read_bps, write_bps;
};

struct cg_limits {
        uint64_t memory;        /* bytes, swap excluded; 0: none */
        const char *cpus;       /* cpuset list; NULL: all */
        double cpu_quota;       /* CPUs; 0: none */
        uint64_t pids;          /* 0: none */
        struct cg_disk_limit disk[CG_MAX_DISK];
        size_t ndisk;
        /* "a c 1:3 rwm" allows, "d b *:* m" denies, on top of the defaults;
         * NULL-terminated */
        char **device_rules;
        bool all_devices;       /* privileged */
        bool device_rules_apply; /* set the device policy (at creation; not on update) */
};

/* Finds what the host has under fsroot (NULL: /sys/fs/cgroup). */
int cgroup_detect(bl_ctx *ctx, const char *fsroot, struct cg_host *ret);
/* Validates limits against the host before anything is created. */
int cgroup_validate(bl_ctx *ctx, const struct cg_host *h, const struct cg_limits *lim);
/* Creates baleine/NAME with the limits; undone on failure. */
int cgroup_create(bl_ctx *ctx, const struct cg_host *h, const char *name, const struct cg_limits *lim);
/* Applies (changed) limits to an existing cgroup. */
int cgroup_apply(bl_ctx *ctx, const struct cg_host *h, const char *name, const struct cg_limits *lim);
/* The cgroup.procs files a process writes its pid to, to join. */
int cgroup_procs_files(bl_ctx *ctx, const struct cg_host *h, const char *name, char ***ret);
int cgroup_attach(bl_ctx *ctx, const struct cg_host *h, const char *name, pid_t pid);
/* Removes the cgroup (waits briefly for its last tasks to go). */
int cgroup_remove(bl_ctx *ctx, const struct cg_host *h, const char *name);
bool cgroup_exists(const struct cg_host *h, const char *name);
/* Whether any process is in the cgroup (in any of its hierarchies). */
bool cgroup_populated(const struct cg_host *h, const char *name);
/* What a cgroup has used; a has_ flag is false where the host cannot count it. */
struct cg_stats {
        bool has_memory, has_memory_limit, has_cpu, has_pids;
        uint64_t memory_bytes, memory_limit;
        uint64_t cpu_usec;
        uint64_t pids;
        uint64_t disk_read_bytes, disk_write_bytes;
};
int cgroup_stats(bl_ctx *ctx, const struct cg_host *h, const char *name, struct cg_stats *ret);
/* Number of OOM kills the kernel counted in the cgroup. */
int cgroup_oom_kills(const struct cg_host *h, const char *name, uint64_t *ret);
/* freezer.c: freezes or thaws every process, waiting until done; whether frozen. */
int cgroup_freeze(bl_ctx *ctx, const struct cg_host *h, const char *name, bool freeze);
int cgroup_frozen(const struct cg_host *h, const char *name, bool *ret);

/* Default device allowlist, runc's: mknod of any, rw of the nodes baleine
 * creates and of ptys. */
extern const char *const cg_default_devices[];

/* backends (v1.c, v2.c) */
struct cg_backend {
        int (*create)(bl_ctx *ctx, const struct cg_host *h, const char *name);
        int (*apply)(bl_ctx *ctx, const struct cg_host *h, const char *name, const struct cg_limits *lim);
        int (*procs_files)(const struct cg_host *h, const char *name, char ***ret);
        int (*remove)(bl_ctx *ctx, const struct cg_host *h, const char *name);
        bool (*exists)(const struct cg_host *h, const char *name);
        int (*stats)(const struct cg_host *h, const char *name, struct cg_stats *ret);
        int (*oom_kills)(const struct cg_host *h, const char *name, uint64_t *ret);
};
extern const struct cg_backend cg_v1, cg_v2;

/* helpers shared by both backends (cgroup.c) */
int cg_write(bl_ctx *ctx, const char *dir, const char *file, const char *value);
int cg_read_u64(const char *dir, const char *file, uint64_t *ret);
/* Value of "key N" lines in a flat-keyed file (memory.events, cpu.stat…). */
int cg_read_keyed(const char *dir, const char *file, const char *key, uint64_t *ret);
int cg_rmdir(const char *dir);
/* A real cgroup filesystem, not a fake tree made by a test. */
bool cg_is_real(const char *path);
/* Parses "0-3,5" into a bitmask of CPUs (up to 1024). */
int cpulist_parse(const char *s, unsigned char mask[128]);
