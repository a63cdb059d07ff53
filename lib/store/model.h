/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The typed models of the store's manifests.  A manifest is decoded once,
 * here, into a struct, and encoded once, here; no other layer reads or
 * writes a manifest key.  Keys this version does not know are kept, in
 * their order, and written back after the known ones: an older or newer
 * version's manifest survives a rewrite.
 *
 * Decoding refuses a value that is not what this version writes (a number
 * that is not one, a state it does not know, a list that is not one):
 * -EBADMSG and the key's name, which the loaders put in a message naming
 * the file.
 */
#pragma once

#include "store.h"

#define MODEL_MAX_NETS 8
#define MODEL_MAX_DISKS 8
#define MODEL_IFNAMSIZ 16
#define MODEL_KEY_MAX 64        /* a key named in an error */

/* ---- any model (model_io.c) ---- */
typedef int (*model_decode_fn)(const bl_record *rec, void *model, char ret_key[MODEL_KEY_MAX]);
typedef void (*model_done_fn)(void *model);
/* ROOT/manifeste/KIND/NAME.manifest decoded: -ENOENT ("no such ..."),
 * -EBADMSG with a message naming the file and the key. */
int model_load(bl_ctx *ctx, const char *kind, const char *name, model_decode_fn decode, void *model);
/* Every readable manifest of a kind, decoded, sorted by name, in an array
 * of `size`-byte models; corrupt ones are logged (path, key) and skipped. */
int model_list(bl_ctx *ctx, const char *kind, model_decode_fn decode, model_done_fn done, size_t size, void **ret_items,
               size_t *ret_n);

/* The load, save and list functions of one typed model over the generic
 * ones (model_io.c): the same code for containers, bridges and images. */
#define DEFINE_MODEL_IO(type, kind)                                                                        \
        static int type##_decode_any(const bl_record *rec, void *m, char ret_key[MODEL_KEY_MAX])             \
        {                                                                                                  \
                return type##_model_decode(rec, m, ret_key);                                               \
        }                                                                                                  \
        static void type##_done_any(void *m)                                                               \
        {                                                                                                  \
                type##_model_done(m);                                                                      \
        }                                                                                                  \
        int type##_model_load(bl_ctx *ctx, const char *name, struct type##_model *m)                       \
        {                                                                                                  \
                return model_load(ctx, kind, name, type##_decode_any, m);                                  \
        }                                                                                                  \
        int type##_model_save(bl_ctx *ctx, const struct type##_model *m)                                   \
        {                                                                                                  \
                _cleanup_record_ bl_record *rec = NULL;                                                    \
                int r = type##_model_encode(m, &rec);                                                      \
                return r < 0 ? r : manifest_save(ctx, kind, m->name, rec);                                 \
        }                                                                                                  \
        void type##_models_done(struct type##_models *l)                                                   \
        {                                                                                                  \
                for (size_t i = 0; i < l->n; i++)                                                          \
                        type##_model_done(&l->items[i]);                                                   \
                free(l->items);                                                                            \
                l->items = NULL;                                                                           \
                l->n = 0;                                                                                  \
        }                                                                                                  \
        int type##_models_load(bl_ctx *ctx, struct type##_models *ret)                                     \
        {                                                                                                  \
                void *items;                                                                               \
                size_t n;                                                                                  \
                int r = model_list(ctx, kind, type##_decode_any, type##_done_any, sizeof(struct type##_model), \
                                   &items, &n);                                                            \
                if (r < 0)                                                                                 \
                        return r;                                                                          \
                *ret = (struct type##_models) { n, items };                                                \
                return 0;                                                                                  \
        }


/* ---- containers ---- */

typedef enum cstate {
        CSTATE_NONE,            /* no "state" key (the seed's manifests) */
        CSTATE_CREATING,        /* reserved; its creator copies the disk */
        CSTATE_CREATED,
        CSTATE_STARTING,        /* its starter has spawned the init */
        CSTATE_RUNNING,
        CSTATE_EXITED,
} cstate;
const char *cstate_name(cstate s);

typedef enum restart_kind {
        RESTART_UNSET,          /* no "restart" key */
        RESTART_NO,
        RESTART_ALWAYS,
        RESTART_ON_FAILURE,     /* restart_max: 0 for no bound */
} restart_kind;

/* The identity of one run of a container: its init's pid and start time,
 * recorded under the lock.  A verb that waited outside the lock compares it
 * with the reloaded manifest's before it acts (compare-and-set). */
struct run_id {
        uint64_t pid, starttime;
};

/* net0: "BRIDGE ADDR/PREFIX HOSTIF" on disk */
struct net_attach {
        char *bridge;
        uint32_t addr;
        int prefix;
        char hostif[MODEL_IFNAMSIZ];
};

/* disk0: "DEVICE READ_BPS WRITE_BPS" on disk, DEVICE "-" for the own disk */
struct disk_bps {
        char *device;           /* NULL: the container's own disk */
        uint64_t read_bps, write_bps;
};

struct container_limits {
        uint64_t memory;        /* bytes; 0: none */
        char *cpus;             /* cpuset list ("0-3,5"); NULL: all */
        double cpu_quota;       /* CPUs; 0: none */
        uint64_t pids;          /* 0: none */
        struct disk_bps disk[MODEL_MAX_DISKS];
        size_t ndisk;
        char **device_rules;    /* "a RULE" / "d RULE"; NULL: none */
};

struct container_model {
        char *name;
        char *image;            /* NULL in a hand-written manifest */
        cstate state;
        struct run_id run;      /* pid 0: no run */
        uint64_t starting_time; /* seconds; 0: never started */
        uint64_t created, finished_at;  /* seconds; 0: unknown */
        uint64_t creator_pid;   /* while creating */
        uint64_t starter_pid;   /* while starting */
        bool has_exit;
        int exit_code, exit_signal;     /* exit_signal 0: none */
        bool oom_killed;
        char **cmd;             /* entrypoint + command, resolved at creation */
        char **env;             /* NULL: none recorded */
        char *workdir, *hostname, *user;
        struct container_limits limits;
        struct net_attach nets[MODEL_MAX_NETS];
        size_t nnets;
        char *bridge, *address; /* the seed's keys without any net0 */
        restart_kind restart;
        uint64_t restart_max;
        uint64_t restart_count, restart_failures;
        bool restart_exhausted, stopped_by_user;
        char **cap_add, **cap_drop;
        bool privileged, seccomp_unconfined, tty, auto_remove;
        bool userns;
        uint32_t userns_start, userns_count;
        char *cgroup;           /* the run's cgroup below baleine/; NULL: computed */
        bl_record *extra;       /* unknown keys, in order */
};

void container_limits_done(struct container_limits *l);
void container_model_done(struct container_model *m);
#define _cleanup_model_ _cleanup_(container_model_done)
/* ret_key (may be NULL) names the offending key on -EBADMSG. */
int container_model_decode(const bl_record *rec, struct container_model *m, char ret_key[MODEL_KEY_MAX]);
int container_model_encode(const struct container_model *m, bl_record **ret);
/* The same from and to manifest text (the folder's copy). */
int container_model_parse(const char *text, struct container_model *m, char ret_key[MODEL_KEY_MAX]);
int container_model_format(const struct container_model *m, char **ret);
/* A copy (for a listing that outlives its source). */
int container_model_copy(const struct container_model *m, struct container_model *ret);

/* "on-failure:3", "always"…, NULL for RESTART_UNSET */
int restart_parse(const char *s, restart_kind *ret_kind, uint64_t *ret_max);
void restart_format(restart_kind k, uint64_t max, char buf[32]);

/* ROOT/manifeste/containers/NAME.manifest into *m: -ENOENT ("no such
 * container"), -EBADMSG with a message naming the file (and the key). */
int container_model_load(bl_ctx *ctx, const char *name, struct container_model *m);
int container_model_save(bl_ctx *ctx, const struct container_model *m);

struct container_models {
        size_t n;
        struct container_model *items;
};
void container_models_done(struct container_models *l);
#define _cleanup_models_ _cleanup_(container_models_done)
/* Every readable container manifest, sorted by name; corrupt ones are
 * logged with their path (and key) and skipped. */
int container_models_load(bl_ctx *ctx, struct container_models *ret);

/* ---- bridges ---- */

typedef enum bstate {
        BSTATE_NONE,
        BSTATE_CREATING,
        BSTATE_READY,
        BSTATE_REMOVING,
} bstate;

struct bridge_model {
        char *name;
        uint32_t addr;          /* the bridge's own address, with its prefix */
        int prefix;
        bool has_address;
        bstate state;
        uint64_t creator_pid, created;
        bl_record *extra;
};

void bridge_model_done(struct bridge_model *m);
#define _cleanup_bridge_model_ _cleanup_(bridge_model_done)
int bridge_model_decode(const bl_record *rec, struct bridge_model *m, char ret_key[MODEL_KEY_MAX]);
int bridge_model_encode(const struct bridge_model *m, bl_record **ret);
int bridge_model_load(bl_ctx *ctx, const char *name, struct bridge_model *m);
int bridge_model_save(bl_ctx *ctx, const struct bridge_model *m);

struct bridge_models {
        size_t n;
        struct bridge_model *items;
};
void bridge_models_done(struct bridge_models *l);
#define _cleanup_bridge_models_ _cleanup_(bridge_models_done)
int bridge_models_load(bl_ctx *ctx, struct bridge_models *ret);

/* ---- string lists inside one value (JSON arrays of strings, json-c) ---- */
char *argv_to_json(char *const argv[]);
int argv_from_json(const char *json, char ***ret);

/* ---- images ---- */

typedef enum istate {
        ISTATE_NONE,            /* no "state" key (the seed's manifests): ready */
        ISTATE_CREATING,
        ISTATE_READY,
} istate;

struct image_model {
        char *name;
        uint64_t size;          /* bytes of the image file */
        char *path;             /* ROOT/images/NAME.img */
        uint64_t used;          /* bytes of content */
        char *source;           /* busybox, import, commit… */
        uint64_t created;       /* seconds; 0: unknown */
        istate state;
        uint64_t creator_pid;   /* while creating */
        char *source_arg;
        /* what a container takes from it */
        char **entrypoint, **cmd, **env;        /* NULL: none */
        char *workdir, *user;
        char **exposed_ports;   /* "80/tcp" */
        char *labels;           /* a JSON object, as the image's config had it */
        char *tag, *digest, *format;
        bl_record *extra;
};

void image_model_done(struct image_model *m);
#define _cleanup_image_model_ _cleanup_(image_model_done)
int image_model_decode(const bl_record *rec, struct image_model *m, char ret_key[MODEL_KEY_MAX]);
int image_model_encode(const struct image_model *m, bl_record **ret);
int image_model_load(bl_ctx *ctx, const char *name, struct image_model *m);
int image_model_save(bl_ctx *ctx, const struct image_model *m);

struct image_models {
        size_t n;
        struct image_model *items;
};
void image_models_done(struct image_models *l);
#define _cleanup_image_models_ _cleanup_(image_models_done)
int image_models_load(bl_ctx *ctx, struct image_models *ret);
