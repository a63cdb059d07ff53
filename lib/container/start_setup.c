/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The first steps of a start: the program's output, the disk, the networks. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "container.h"
#include "disk/disk.h"
#include "start.h"

int step_stdio(struct start *st)
{
        struct run_spec *spec = &st->spec;
        int r;
        mkdir(st->mnt, 0700);
        if ((r = open_in(st->ctx, st->name, "exit-status", O_WRONLY | O_CREAT | O_TRUNC, &st->status_fd)) < 0)
                return r;
        spec->status_fd = st->status_fd;
        if (st->flags & BL_START_TTY) {
                if ((r = open_pty(st->ctx, st->name, &st->master, &st->slave)) < 0)
                        return r;
                spec->prog.pty_slave = st->slave;
                spec->console = ptsname(st->master);
                return 0;
        }
        /* attached: the caller's descriptors, its output teed into the log */
        if ((st->flags & BL_START_ATTACH) && st->stdio)
                memcpy(spec->prog.stdio, st->stdio, sizeof(spec->prog.stdio));
        if ((r = open_in(st->ctx, st->name, "console.log", O_RDWR | O_CREAT | O_APPEND, &st->log_fd)) < 0 ||
            (r = open_in(st->ctx, st->name, "console.log.1", O_WRONLY | O_CREAT, &st->old_fd)) < 0)
                return r;
        spec->log_fd = st->log_fd;
        spec->log_old_fd = st->old_fd;
        spec->log_max = LOG_MAX_DEFAULT;
        /* BALEINE_LOG_MAX (bytes) changes where console.log rotates, in test builds */
        const char *lm = test_knob("BALEINE_LOG_MAX");
        uint64_t v;
        if (lm && parse_u64(lm, &v) == 0 && v >= 1024)
                spec->log_max = v;
        return 0;
}

/* The disk: ext4, room to grow, repaired if it records errors, on a loop
 * device (which goes with the last descriptor: no undo needed). */
int step_disk(struct start *st)
{
        bl_ctx *ctx = st->ctx;
        _cleanup_free_ char *fstype = NULL;
        int r;
        if ((r = disk_probe_fstype(ctx, st->disk, &fstype)) < 0)
                return ctx_fail_wrap(ctx, r, "container \"%s\"", st->name);
        if (strcmp(fstype, "ext4") != 0)
                return ctx_fail(ctx, EMEDIUMTYPE, "container \"%s\": disk holds %s, not ext4", st->name, fstype);
        /* what the sparse copy may still allocate */
        struct stat dst;
        if (stat(st->disk, &dst) == 0 && (uint64_t) dst.st_size > (uint64_t) dst.st_blocks * 512 &&
            (r = container_space_check(ctx, st->name, (uint64_t) dst.st_size - (uint64_t) dst.st_blocks * 512)) < 0)
                return r;
        if (disk_ext4_has_errors(st->disk)) {
                ctx_log(ctx, BL_LOG_WARNING, "container \"%s\": its disk records ext4 errors; running e2fsck -p on it", st->name);
                if ((r = disk_ext4_repair(ctx, st->disk)) < 0)
                        return ctx_fail_wrap(ctx, r, "container \"%s\"", st->name);
                ctx_log(ctx, BL_LOG_WARNING, "container \"%s\": e2fsck repaired its disk", st->name);
        }
        if ((r = loop_attach(ctx, st->disk, false, &st->loop_fd, &st->loop_nr)) < 0)
                return ctx_fail_wrap(ctx, r, "container \"%s\"", st->name);
        fault_point("container-start-loop");
        ctx_trace(ctx, "start: loop device");
        snprintf(st->loop_dev, sizeof(st->loop_dev), "/dev/loop%d", st->loop_nr);
        return 0;
}

/* The bridges (made again after a reboot) and the inside's interfaces. */
int step_network(struct start *st)
{
        for (size_t i = 0; i < st->m->nnets; i++) {
                const struct net_attach *na = &st->m->nets[i];
                struct net_if *nif = &st->hook.ifs[i];
                uint32_t baddr;
                int bprefix, mtu = 1500, r;
                if ((r = bridge_ensure(st->ctx, na->bridge, &baddr, &bprefix)) < 0)
                        return r;
                net_link_query(st->ctx, na->bridge, NULL, &mtu, NULL);
                snprintf(nif->ifname, sizeof(nif->ifname), "eth%zu", i);
                nif->addr = na->addr;
                nif->prefix = na->prefix;
                nif->gateway = i == 0 ? baddr : 0;
                nif->mtu = mtu;
                snprintf(st->hostifs[i], IFNAMSIZ_, "%s", na->hostif);
                st->hook.n++;
                if (i == 0) {
                        if (!(st->hosts = hosts_path(st->ctx, na->bridge)))
                                return -ENOMEM;
                        hosts_refresh(st->ctx);
                }
        }
        return 0;
}

