/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "container.h"
#include "image/image.h"

/* Recorded as disk0: "DEVICE READ_BPS WRITE_BPS" (DEVICE "-" = own disk). */
int limits_to_record(bl_ctx *ctx, const bl_container_config *cfg, bl_record *rec)
{
        if (cfg->memory)
                record_setf(rec, "memory", "%" PRIu64, cfg->memory);
        if (cfg->cpus)
                record_set(rec, "cpus", cfg->cpus);
        if (cfg->cpu_quota > 0)
                record_setf(rec, "cpu_quota", "%g", cfg->cpu_quota);
        if (cfg->pids)
                record_setf(rec, "pids_limit", "%" PRIu64, cfg->pids);
        for (size_t i = 0; i < cfg->ndisk; i++) {
                char key[16];
                snprintf(key, sizeof(key), "disk%zu", i);
                const char *dev = cfg->disk[i].device ? cfg->disk[i].device : "-";
                struct stat st;
                if (cfg->disk[i].device && (stat(dev, &st) < 0 || !S_ISBLK(st.st_mode)))
                        return ctx_fail(ctx, ENODEV, "disk bandwidth: \"%s\" is not a block device", dev);
                record_setf(rec, key, "%s %" PRIu64 " %" PRIu64, dev, cfg->disk[i].read_bps, cfg->disk[i].write_bps);
        }
        if (cfg->device_rules) {
                _cleanup_free_ char *j = argv_to_json(cfg->device_rules);
                record_set(rec, "device_rules", j);
        }
        return 0;
}

int limits_from_record(bl_ctx *ctx, const bl_record *rec, struct cg_limits *lim, int loop_nr)
{
        memset(lim, 0, sizeof(*lim));
        uint64_t v;
        if (record_get_u64(rec, "memory", &v) == 0)
                lim->memory = v;
        lim->cpus = bl_record_get(rec, "cpus");
        const char *q = bl_record_get(rec, "cpu_quota");
        if (q)
                lim->cpu_quota = strtod(q, NULL);
        if (record_get_u64(rec, "pids_limit", &v) == 0)
                lim->pids = v;
        for (size_t i = 0; i < CG_MAX_DISK; i++) {
                char key[16], dev[256];
                snprintf(key, sizeof(key), "disk%zu", i);
                const char *d = bl_record_get(rec, key);
                unsigned long long rd, wr;
                if (!d)
                        break;
                if (sscanf(d, "%255s %llu %llu", dev, &rd, &wr) != 3)
                        return ctx_fail(ctx, EBADMSG, "container \"%s\": bad %s \"%s\"", bl_record_get(rec, "name"), key, d);
                struct stat st;
                if (strcmp(dev, "-") == 0) {
                        char path[32];
                        snprintf(path, sizeof(path), "/dev/loop%d", loop_nr);
                        if (loop_nr < 0 || stat(path, &st) < 0)
                                continue; /* own disk unknown while stopped */
                } else if (stat(dev, &st) < 0 || !S_ISBLK(st.st_mode))
                        return ctx_fail(ctx, ENODEV, "disk bandwidth: \"%s\" is not a block device", dev);
                lim->disk[lim->ndisk++] = (struct cg_disk_limit) {
                        .major = major(st.st_rdev), .minor = minor(st.st_rdev), .read_bps = rd, .write_bps = wr,
                };
        }
        const char *rules = bl_record_get(rec, "device_rules");
        if (rules && argv_from_json(rules, &lim->device_rules) < 0)
                return ctx_fail(ctx, EBADMSG, "container \"%s\": bad device_rules", bl_record_get(rec, "name"));
        const char *p = bl_record_get(rec, "privileged");
        lim->all_devices = p && strcmp(p, "yes") == 0;
        return 0;
}

void limits_free(struct cg_limits *lim)
{
        strv_freep(&lim->device_rules);
}
