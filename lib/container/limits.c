/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one mapping of limits: config -> model -> cgroup backend. */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "container.h"

static int block_device(bl_ctx *ctx, const char *dev, struct stat *st)
{
        if (stat(dev, st) < 0 || !S_ISBLK(st->st_mode))
                return ctx_fail(ctx, ENODEV, "disk bandwidth: \"%s\" is not a block device", dev);
        return 0;
}

int limits_from_config(bl_ctx *ctx, const bl_container_config *cfg, struct container_limits *out)
{
        struct stat st;
        int r;
        memset(out, 0, sizeof(*out));
        out->memory = cfg->memory;
        out->cpu_quota = cfg->cpu_quota > 0 ? cfg->cpu_quota : 0;
        out->pids = cfg->pids;
        if (cfg->cpus && !(out->cpus = strdup(cfg->cpus)))
                return -ENOMEM;
        for (size_t i = 0; i < cfg->ndisk && i < MODEL_MAX_DISKS; i++) {
                const char *dev = cfg->disk[i].device;
                if (dev && (r = block_device(ctx, dev, &st)) < 0)
                        return r;
                if (dev && !(out->disk[i].device = strdup(dev)))
                        return -ENOMEM;
                out->disk[i].read_bps = cfg->disk[i].read_bps;
                out->disk[i].write_bps = cfg->disk[i].write_bps;
                out->ndisk++;
        }
        if (cfg->device_rules && !(out->device_rules = strv_copy(cfg->device_rules)))
                return -ENOMEM;
        return 0;
}

/* An update: what src sets replaces dst's (src is emptied). */
void limits_merge(struct container_limits *dst, struct container_limits *src)
{
        if (src->memory)
                dst->memory = src->memory;
        if (src->cpu_quota > 0)
                dst->cpu_quota = src->cpu_quota;
        if (src->pids)
                dst->pids = src->pids;
        if (src->cpus) {
                free(dst->cpus);
                dst->cpus = steal_ptr(&src->cpus);
        }
        for (size_t i = 0; i < src->ndisk; i++) {
                free(dst->disk[i].device);
                dst->disk[i] = src->disk[i];
                src->disk[i].device = NULL;
        }
        if (src->ndisk > dst->ndisk)
                dst->ndisk = src->ndisk;
        if (src->device_rules) {
                strv_freep(&dst->device_rules);
                dst->device_rules = steal_ptr(&src->device_rules);
        }
}

void limits_cg_view(const struct container_limits *l, struct cg_limits *lim)
{
        memset(lim, 0, sizeof(*lim));
        lim->memory = l->memory;
        lim->cpus = l->cpus;
        lim->cpu_quota = l->cpu_quota;
        lim->pids = l->pids;
}

int limits_to_cg(bl_ctx *ctx, const struct container_model *m, struct cg_limits *lim, int loop_nr)
{
        const struct container_limits *l = &m->limits;
        limits_cg_view(l, lim);
        for (size_t i = 0; i < l->ndisk && lim->ndisk < CG_MAX_DISK; i++) {
                struct stat st;
                int r;
                if (!l->disk[i].device) {
                        char path[32];
                        snprintf(path, sizeof(path), "/dev/loop%d", loop_nr);
                        if (loop_nr < 0 || stat(path, &st) < 0)
                                continue; /* own disk unknown while stopped */
                } else if ((r = block_device(ctx, l->disk[i].device, &st)) < 0)
                        return r;
                lim->disk[lim->ndisk++] = (struct cg_disk_limit) {
                        .major = major(st.st_rdev), .minor = minor(st.st_rdev),
                        .read_bps = l->disk[i].read_bps, .write_bps = l->disk[i].write_bps,
                };
        }
        if (l->device_rules && !(lim->device_rules = strv_copy(l->device_rules)))
                return -ENOMEM;
        lim->all_devices = m->privileged;
        return 0;
}

void limits_free(struct cg_limits *lim)
{
        strv_freep(&lim->device_rules);
}
