/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A container manifest, decoded once and encoded once. */
#include <inttypes.h>
#include <math.h>
#include <stddef.h>

#include "model_fields.h"

static const char *const state_names[] = {
        [CSTATE_NONE] = NULL, [CSTATE_CREATING] = "creating", [CSTATE_CREATED] = "created",
        [CSTATE_STARTING] = "starting", [CSTATE_RUNNING] = "running", [CSTATE_EXITED] = "exited",
};

const char *cstate_name(cstate s)
{
        return (size_t) s < ARRAY_SIZE(state_names) ? state_names[s] : NULL;
}

int restart_parse(const char *s, restart_kind *ret_kind, uint64_t *ret_max)
{
        *ret_max = 0;
        if (strcmp(s, "no") == 0)
                *ret_kind = RESTART_NO;
        else if (strcmp(s, "always") == 0)
                *ret_kind = RESTART_ALWAYS;
        else if (strcmp(s, "on-failure") == 0)
                *ret_kind = RESTART_ON_FAILURE;
        else if (startswith(s, "on-failure:") && parse_u64(s + 11, ret_max) == 0 && *ret_max > 0)
                *ret_kind = RESTART_ON_FAILURE;
        else
                return -EBADMSG;
        return 0;
}

void restart_format(restart_kind k, uint64_t max, char buf[32])
{
        static const char *const names[] = { "", "no", "always", "on-failure" };
        if (k == RESTART_ON_FAILURE && max)
                snprintf(buf, 32, "on-failure:%" PRIu64, max);
        else
                snprintf(buf, 32, "%s", names[k]);
}

#define M(f) offsetof(struct container_model, f)

/* Keys the custom code handles, in the order written (after the table's
 * first block): see encode. */
static const struct field head[] = {
        { "name", F_STR, M(name) },
        { "image", F_STR, M(image) },
        { "pid", F_U64_ALWAYS, M(run.pid) },
};
static const struct field tail[] = {
        { "starting_time", F_U64_ALWAYS, M(starting_time) },
        { "pid_starttime", F_U64, M(run.starttime) },
        { "creator_pid", F_U64, M(creator_pid) },
        { "starter_pid", F_U64, M(starter_pid) },
        { "created", F_U64, M(created) },
        { "cmd", F_STRV, M(cmd) },
        { "env", F_STRV, M(env) },
        { "workdir", F_STR, M(workdir) },
        { "hostname", F_STR, M(hostname) },
        { "user", F_STR, M(user) },
        { "cap_add", F_STRV, M(cap_add) },
        { "cap_drop", F_STRV, M(cap_drop) },
        { "privileged", F_YESNO, M(privileged) },
        { "tty", F_FLAG, M(tty) },
        { "auto_remove", F_FLAG, M(auto_remove) },
        { "memory", F_U64, M(limits.memory) },
        { "pids_limit", F_U64, M(limits.pids) },
        { "device_rules", F_STRV, M(limits.device_rules) },
        { "finished_at", F_U64, M(finished_at) },
        { "oom_killed", F_FLAG, M(oom_killed) },
        { "stopped_by_user", F_FLAG, M(stopped_by_user) },
        { "restart_count", F_U64, M(restart_count) },
        { "restart_failures", F_U64, M(restart_failures) },
        { "restart_exhausted", F_FLAG, M(restart_exhausted) },
};

static const struct field *known_field(const char *key)
{
        const struct field *f = field_find(head, ARRAY_SIZE(head), key);
        return f ? f : field_find(tail, ARRAY_SIZE(tail), key);
}

/* "net3" -> 3 when key is PREFIX followed by a small number */
static int indexed(const char *key, const char *prefix, size_t max)
{
        size_t n = strlen(prefix);
        if (strncmp(key, prefix, n) != 0 || key[n] < '0' || key[n] > '9' || (key[n] == '0' && key[n + 1]))
                return -1;
        char *end;
        unsigned long i = strtoul(key + n, &end, 10);
        return *end || i >= max ? -1 : (int) i;
}

static int net_decode(const char *v, struct net_attach *n)
{
        char br[64], cidr[32], hostif[32], extra;
        if (sscanf(v, "%63s %31s %31s %c", br, cidr, hostif, &extra) != 3 || strlen(hostif) >= MODEL_IFNAMSIZ ||
            parse_ipv4_cidr(cidr, &n->addr, &n->prefix) < 0)
                return -EBADMSG;
        snprintf(n->hostif, sizeof(n->hostif), "%s", hostif);
        return (n->bridge = strdup(br)) ? 0 : -ENOMEM;
}

static int disk_decode(const char *v, struct disk_bps *d)
{
        char dev[256], extra;
        unsigned long long rd, wr;
        if (sscanf(v, "%255s %llu %llu %c", dev, &rd, &wr, &extra) != 3 || (dev[0] != '/' && strcmp(dev, "-") != 0))
                return -EBADMSG;
        d->read_bps = rd;
        d->write_bps = wr;
        if (strcmp(dev, "-") == 0)
                return 0;
        return (d->device = strdup(dev)) ? 0 : -ENOMEM;
}

/* a cpuset list: digits, commas, dashes (the cgroup backend checks the CPUs) */
static bool cpus_valid(const char *s)
{
        return *s && strspn(s, "0123456789,-") == strlen(s);
}

/* a name below baleine/: one component */
static bool cgroup_name_valid(const char *s)
{
        return *s && !strchr(s, '/') && s[0] != '.' && strlen(s) < 128;
}

static int custom_decode(struct container_model *m, const char *key, const char *v, bool *ret_known)
{
        int i;
        *ret_known = true;
        if (strcmp(key, "state") == 0) {
                for (size_t s = 1; s < ARRAY_SIZE(state_names); s++)
                        if (strcmp(v, state_names[s]) == 0) {
                                m->state = (cstate) s;
                                return 0;
                        }
                return -EBADMSG;
        }
        if (strcmp(key, "restart") == 0)
                return restart_parse(v, &m->restart, &m->restart_max);
        if (strcmp(key, "seccomp") == 0) {
                if (strcmp(v, "default") != 0 && strcmp(v, "unconfined") != 0)
                        return -EBADMSG;
                m->seccomp_unconfined = v[0] == 'u';
                return 0;
        }
        if (strcmp(key, "exit_code") == 0 || strcmp(key, "exit_signal") == 0) {
                uint64_t n;
                if (parse_u64(v, &n) < 0 || n > 255)
                        return -EBADMSG;
                if (key[5] == 'c') {
                        m->has_exit = true;
                        m->exit_code = (int) n;
                } else
                        m->exit_signal = (int) n;
                return 0;
        }
        if (strcmp(key, "cpu_quota") == 0) {
                char *end;
                errno = 0;
                double q = strtod(v, &end);
                if (!*v || *end || errno || !isfinite(q) || q < 0)
                        return -EBADMSG;
                m->limits.cpu_quota = q;
                return 0;
        }
        if (strcmp(key, "cpus") == 0) {
                if (!cpus_valid(v))
                        return -EBADMSG;
                return (m->limits.cpus = strdup(v)) ? 0 : -ENOMEM;
        }
        if (strcmp(key, "cgroup") == 0) {
                if (!cgroup_name_valid(v))
                        return -EBADMSG;
                return (m->cgroup = strdup(v)) ? 0 : -ENOMEM;
        }
        if (strcmp(key, "userns") == 0) {
                unsigned start, count;
                char extra;
                if (sscanf(v, "%u %u %c", &start, &count, &extra) != 2 || !count)
                        return -EBADMSG;
                m->userns = true;
                m->userns_start = start;
                m->userns_count = count;
                return 0;
        }
        if (strcmp(key, "bridge") == 0)
                return (m->bridge = strdup(v)) ? 0 : -ENOMEM;
        if (strcmp(key, "address") == 0)
                return (m->address = strdup(v)) ? 0 : -ENOMEM;
        if ((i = indexed(key, "net", MODEL_MAX_NETS)) >= 0) {
                if (m->nets[i].bridge)
                        return -EBADMSG;
                return net_decode(v, &m->nets[i]);
        }
        if ((i = indexed(key, "disk", MODEL_MAX_DISKS)) >= 0) {
                /* "-" decodes to no device: a slot is used once its rates are */
                if (m->limits.disk[i].device || m->limits.disk[i].read_bps || m->limits.disk[i].write_bps)
                        return -EBADMSG;
                return disk_decode(v, &m->limits.disk[i]);
        }
        *ret_known = false;
        return 0;
}

/* net0..netN and disk0..diskN: a hole ends the list, as the old readers did
 * (what follows a hole is kept as an unknown key) */
static void count_slots(struct container_model *m, const bl_record *rec)
{
        char key[16];
        while (m->nnets < MODEL_MAX_NETS && (snprintf(key, sizeof(key), "net%zu", m->nnets), bl_record_get(rec, key)))
                m->nnets++;
        while (m->limits.ndisk < MODEL_MAX_DISKS && (snprintf(key, sizeof(key), "disk%zu", m->limits.ndisk), bl_record_get(rec, key)))
                m->limits.ndisk++;
}

int container_model_decode(const bl_record *rec, struct container_model *m, char ret_key[MODEL_KEY_MAX])
{
        memset(m, 0, sizeof(*m));
        int r = -ENOMEM;
        if (!(m->extra = record_new()))
                goto fail;
        count_slots(m, rec);
        for (size_t i = 0; i < rec->n; i++) {
                const char *k = rec->keys[i], *v = rec->values[i];
                const struct field *f = known_field(k);
                bool known;
                int ni = indexed(k, "net", MODEL_MAX_NETS), di = indexed(k, "disk", MODEL_MAX_DISKS);
                if ((ni >= 0 && (size_t) ni >= m->nnets) || (di >= 0 && (size_t) di >= m->limits.ndisk))
                        known = false, r = 0;
                else if (f)
                        known = true, r = field_decode(f, v, m);
                else
                        r = custom_decode(m, k, v, &known);
                if (r == 0 && !known)
                        r = record_set(m->extra, k, v);
                if (r < 0) {
                        if (ret_key)
                                snprintf(ret_key, MODEL_KEY_MAX, "%s", k);
                        goto fail;
                }
        }
        if (!m->name) {
                if (ret_key)
                        snprintf(ret_key, MODEL_KEY_MAX, "%s", "name");
                r = -EBADMSG;
                goto fail;
        }
        return 0;
fail:
        container_model_done(m);
        return r;
}

static int custom_encode_state(const struct container_model *m, bl_record *rec)
{
        char buf[64];
        int r = 0;
        /* the seed's bridge and address: net0's, else what was read */
        if (m->nnets) {
                format_ipv4(m->nets[0].addr, buf);
                if ((r = record_set(rec, "bridge", m->nets[0].bridge)) < 0 || (r = record_set(rec, "address", buf)) < 0)
                        return r;
        } else if ((r = record_set(rec, "bridge", m->bridge)) < 0 || (r = record_set(rec, "address", m->address)) < 0)
                return r;
        return record_set(rec, "state", cstate_name(m->state));
}

static int custom_encode_rest(const struct container_model *m, bl_record *rec)
{
        char buf[128], ip[16];
        int r = 0;
        if (m->restart != RESTART_UNSET) {
                restart_format(m->restart, m->restart_max, buf);
                r = record_set(rec, "restart", buf);
        }
        if (r == 0)
                r = record_set(rec, "seccomp", m->seccomp_unconfined ? "unconfined" : "default");
        if (r == 0 && m->userns)
                r = record_setf(rec, "userns", "%u %u", (unsigned) m->userns_start, (unsigned) m->userns_count);
        if (r == 0)
                r = record_set(rec, "cpus", m->limits.cpus);
        if (r == 0 && m->limits.cpu_quota > 0)
                r = record_setf(rec, "cpu_quota", "%g", m->limits.cpu_quota);
        for (size_t i = 0; r == 0 && i < m->limits.ndisk; i++) {
                const struct disk_bps *d = &m->limits.disk[i];
                snprintf(buf, sizeof(buf), "disk%zu", i);
                r = record_setf(rec, buf, "%s %" PRIu64 " %" PRIu64, d->device ? d->device : "-", d->read_bps, d->write_bps);
        }
        for (size_t i = 0; r == 0 && i < m->nnets; i++) {
                const struct net_attach *n = &m->nets[i];
                snprintf(buf, sizeof(buf), "net%zu", i);
                format_ipv4(n->addr, ip);
                r = record_setf(rec, buf, "%s %s/%d %s", n->bridge, ip, n->prefix, n->hostif);
        }
        if (r == 0)
                r = record_set(rec, "cgroup", m->cgroup);
        if (r == 0 && m->has_exit)
                r = record_setf(rec, "exit_code", "%d", m->exit_code);
        if (r == 0 && m->exit_signal)
                r = record_setf(rec, "exit_signal", "%d", m->exit_signal);
        return r;
}

int container_model_encode(const struct container_model *m, bl_record **ret)
{
        _cleanup_record_ bl_record *rec = record_new();
        int r = rec ? 0 : -ENOMEM;
        for (size_t i = 0; r == 0 && i < ARRAY_SIZE(head); i++)
                r = field_encode(&head[i], m, rec);
        if (r == 0)
                r = custom_encode_state(m, rec);
        for (size_t i = 0; r == 0 && i < ARRAY_SIZE(tail); i++)
                r = field_encode(&tail[i], m, rec);
        if (r == 0)
                r = custom_encode_rest(m, rec);
        for (size_t i = 0; r == 0 && m->extra && i < m->extra->n; i++)
                if (!bl_record_get(rec, m->extra->keys[i]))
                        r = record_set(rec, m->extra->keys[i], m->extra->values[i]);
        if (r < 0)
                return r;
        *ret = steal_ptr(&rec);
        return 0;
}

int container_model_parse(const char *text, struct container_model *m, char ret_key[MODEL_KEY_MAX])
{
        _cleanup_record_ bl_record *rec = NULL;
        int r = manifest_parse(text, &rec);
        if (r < 0)
                return r;
        return container_model_decode(rec, m, ret_key);
}

int container_model_format(const struct container_model *m, char **ret)
{
        _cleanup_record_ bl_record *rec = NULL;
        int r = container_model_encode(m, &rec);
        return r < 0 ? r : manifest_format(rec, ret);
}

int container_model_copy(const struct container_model *m, struct container_model *ret)
{
        _cleanup_record_ bl_record *rec = NULL;
        int r = container_model_encode(m, &rec);
        return r < 0 ? r : container_model_decode(rec, ret, NULL);
}

void container_limits_done(struct container_limits *l)
{
        free(l->cpus);
        for (size_t i = 0; i < MODEL_MAX_DISKS; i++)
                free(l->disk[i].device);
        strv_freep(&l->device_rules);
        memset(l, 0, sizeof(*l));
}

void container_model_done(struct container_model *m)
{
        free(m->name);
        free(m->image);
        strv_freep(&m->cmd);
        strv_freep(&m->env);
        free(m->workdir);
        free(m->hostname);
        free(m->user);
        container_limits_done(&m->limits);
        for (size_t i = 0; i < MODEL_MAX_NETS; i++)
                free(m->nets[i].bridge);
        free(m->bridge);
        free(m->address);
        strv_freep(&m->cap_add);
        strv_freep(&m->cap_drop);
        free(m->cgroup);
        bl_record_free(m->extra);
        memset(m, 0, sizeof(*m));
}

DEFINE_MODEL_IO(container, KIND_CONTAINERS)
