/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libbaleine: a daemonless container manager.
 *
 * Conventions, for every function below:
 *  - a function that can fail returns 0 or a negative errno; on failure a
 *    one-line message naming the object and the cause is kept in the context
 *    and read with bl_ctx_errmsg();
 *  - output parameters are named ret_* and are left untouched on failure;
 *  - every object returned by a _new or _list function is released by the
 *    matching _free function; const char * results point into the object and
 *    live as long as it does;
 *  - a bl_ctx is used by one thread at a time; separate processes sharing a
 *    state root are serialised by a file lock.
 */
#ifndef BALEINE_BALEINE_H
#define BALEINE_BALEINE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- context */

typedef struct bl_ctx bl_ctx;

enum {
        BL_LOG_ERR = 3,
        BL_LOG_WARNING = 4,
        BL_LOG_INFO = 6,
        BL_LOG_DEBUG = 7
};

/* Called for each log line; priority is one of BL_LOG_*. */
typedef void (*bl_log_fn)(void *userdata, int priority, const char *message);

/* Called during long work (image copies, image creation): done and total
 * are in bytes (total 0 when unknown).  What is a step is named by what. */
typedef void (*bl_progress_fn)(void *userdata, const char *what, uint64_t done, uint64_t total);

/* Creates a context on the state root `root`; NULL means $BALEINE_ROOT, or
 * /var/lib/baleine when that is unset.  The root is created if missing. */
int bl_ctx_new(bl_ctx **ret, const char *root);
void bl_ctx_free(bl_ctx *ctx);
const char *bl_ctx_root(const bl_ctx *ctx);
/* The message of the last failed call, or "" when none failed. */
const char *bl_ctx_errmsg(const bl_ctx *ctx);
void bl_ctx_set_log(bl_ctx *ctx, bl_log_fn fn, void *userdata);
void bl_ctx_set_progress(bl_ctx *ctx, bl_progress_fn fn, void *userdata);

/* The library's version, e.g. "0.1.0". */
const char *bl_version(void);

/* ------------------------------------------------------------- validation */

/* 0 when `name` is a valid image, container or bridge name: 1 to 64 bytes of
 * [A-Za-z0-9_.-], not starting with '.' or '-'.  -EINVAL otherwise, with the
 * reason in the context. `what` names the kind of object in the message. */
int bl_name_check(bl_ctx *ctx, const char *what, const char *name);
/* Parses "64M", "2G", "1.5G", "4096", "512K" (powers of 1024) into bytes;
 * rejects 0, junk and overflow with -EINVAL / -ERANGE. */
int bl_size_parse(bl_ctx *ctx, const char *text, uint64_t *ret_bytes);

/* ---------------------------------------------------------------- records */

/*
 * Listings and inspections return records: ordered key/value pairs of text,
 * the same keys as the manifests on disk (see README: "State") plus computed
 * ones (state, uptime…).  A record list owns its records.
 */
typedef struct bl_record bl_record;
typedef struct bl_record_list bl_record_list;

const char *bl_record_get(const bl_record *rec, const char *key);
size_t bl_record_count(const bl_record *rec);
const char *bl_record_key(const bl_record *rec, size_t i);
const char *bl_record_value(const bl_record *rec, size_t i);
void bl_record_free(bl_record *rec);

size_t bl_record_list_count(const bl_record_list *list);
const bl_record *bl_record_list_get(const bl_record_list *list, size_t i);
void bl_record_list_free(bl_record_list *list);

/* ----------------------------------------------------------------- images */

typedef enum bl_image_source {
        BL_IMAGE_SOURCE_BUSYBOX = 0,  /* minimal rootfs from the host's static busybox */
        BL_IMAGE_SOURCE_DIR,          /* arg: a directory copied as the root */
        BL_IMAGE_SOURCE_TAR,          /* arg: a tarball (any compression libarchive reads) */
        BL_IMAGE_SOURCE_DEBOOTSTRAP,  /* arg: a Debian/Ubuntu suite */
        BL_IMAGE_SOURCE_EMPTY         /* nothing but the skeleton and the added programs */
} bl_image_source;

typedef struct bl_image_config bl_image_config;

int bl_image_config_new(bl_image_config **ret);
void bl_image_config_free(bl_image_config *cfg);
/* Size of the image file; 0 (the default) sizes it from the content. */
int bl_image_config_set_size(bl_image_config *cfg, uint64_t bytes);
int bl_image_config_set_source(bl_image_config *cfg, bl_image_source source, const char *arg);
/* Adds a host program and every shared library it needs (repeatable). */
int bl_image_config_add_program(bl_image_config *cfg, const char *host_path);
/* Copies a host file or directory tree to `image_path` (NULL: same path). */
int bl_image_config_add_copy(bl_image_config *cfg, const char *host_path, const char *image_path);
/* debootstrap only: comma-separated extra packages, and the mirror URL. */
int bl_image_config_set_debootstrap(bl_image_config *cfg, const char *include, const char *mirror);
/* The command containers run when none is given (NULL-terminated argv). */
int bl_image_config_set_cmd(bl_image_config *cfg, char *const argv[]);

/* Creates image `name`: an ext4 filesystem in ROOT/images/NAME.img. */
int bl_image_create(bl_ctx *ctx, const char *name, const bl_image_config *cfg);
/* Imports what `docker save`, `podman save` and OCI tools write: a
 * docker-archive, an OCI archive (tar) or an OCI layout folder at `path`.
 * Every blob is checked against its digest before any layer is applied.
 * cfg may set the size and the tag to pick (bl_image_config_set_tag). */
int bl_image_import(bl_ctx *ctx, const char *name, const char *path, const bl_image_config *cfg);
/* Writes `file`: a one-layer archive `docker load` / `podman load` accept,
 * docker-archive (oci 0) or OCI archive (oci 1); tag NULL: the imported
 * tag, else NAME:latest. */
int bl_image_export(bl_ctx *ctx, const char *name, const char *file, const char *tag, int oci);
/* Which image of a multi-image archive to import ("repo:tag"). */
int bl_image_config_set_tag(bl_image_config *cfg, const char *tag);

/* Removes an image; images are copied by containers, so none depends on it. */
int bl_image_remove(bl_ctx *ctx, const char *name);
/* Records with keys: name size path used source created (+ config keys). */
int bl_image_list(bl_ctx *ctx, bl_record_list **ret);
int bl_image_inspect(bl_ctx *ctx, const char *name, bl_record **ret);

/* ------------------------------------------------------------- containers */

typedef struct bl_container_config bl_container_config;

int bl_container_config_new(bl_container_config **ret);
void bl_container_config_free(bl_container_config *cfg);
int bl_container_config_set_image(bl_container_config *cfg, const char *image);
/* The program and its arguments (NULL-terminated); default: the image's
 * command, else /bin/sh. */
int bl_container_config_set_argv(bl_container_config *cfg, char *const argv[]);
/* "KEY=VALUE", repeatable; a later KEY replaces an earlier one. */
int bl_container_config_add_env(bl_container_config *cfg, const char *key_value);
int bl_container_config_set_workdir(bl_container_config *cfg, const char *dir);
int bl_container_config_set_hostname(bl_container_config *cfg, const char *hostname);
/* "UID[:GID]" numeric ids the program runs as. */
int bl_container_config_set_user(bl_container_config *cfg, const char *user);
/* Memory limit in bytes, swap excluded (0: none). */
int bl_container_config_set_memory(bl_container_config *cfg, uint64_t bytes);
/* CPU list such as "0-1,3" (cpuset). */
int bl_container_config_set_cpus(bl_container_config *cfg, const char *cpus);
/* CPU quota in CPUs, e.g. 0.5 (0: none). */
int bl_container_config_set_cpu_quota(bl_container_config *cfg, double cpus);
/* Maximum number of tasks (0: none). */
int bl_container_config_set_pids(bl_container_config *cfg, uint64_t max);
/* Disk bandwidth in bytes per second; device NULL = the container's own
 * disk, else a block device path. */
int bl_container_config_set_disk_read_bps(bl_container_config *cfg, const char *device, uint64_t bps);
int bl_container_config_set_disk_write_bps(bl_container_config *cfg, const char *device, uint64_t bps);
/* Device cgroup rule "c|b|a MAJOR|*:MINOR|* [rwm]", allowed or denied on top
 * of the default allowlist. */
int bl_container_config_add_device_rule(bl_container_config *cfg, int allow, const char *rule);
/* Attaches an interface to `bridge`, with `address` ("10.88.0.5" or
 * "10.88.0.5/16") or NULL for the first free address; repeatable. */
int bl_container_config_add_network(bl_container_config *cfg, const char *bridge, const char *address);
/* "no", "on-failure", "on-failure:N" or "always". */
int bl_container_config_set_restart(bl_container_config *cfg, const char *policy);
/* Capability names ("NET_ADMIN" or "CAP_NET_ADMIN", "ALL") added to or
 * dropped from Docker's default set. */
int bl_container_config_add_cap(bl_container_config *cfg, const char *cap);
int bl_container_config_drop_cap(bl_container_config *cfg, const char *cap);
/* Lifts the capability set, seccomp, masked paths and device rules. */
int bl_container_config_set_privileged(bl_container_config *cfg, int privileged);
/* Turns the default seccomp filter off (unconfined) or on. */
int bl_container_config_set_seccomp(bl_container_config *cfg, int enabled);
/* Runs the container in a user namespace: its root is host id `start`
 * for `count` ids (count 0: root's first range in /etc/subuid and
 * /etc/subgid); its disk is presented through an idmapped mount. */
int bl_container_config_set_userns(bl_container_config *cfg, int enabled, uint32_t start, uint32_t count);
/* Remove the container once it has ended (check removes a detached one). */
int bl_container_config_set_auto_remove(bl_container_config *cfg, int enabled);
/* Start the program on a terminal (see BL_START_TTY). */
int bl_container_config_set_tty(bl_container_config *cfg, int tty);

/* Replaces the image's entrypoint (the program the command is given to). */
int bl_container_config_set_entrypoint(bl_container_config *cfg, char *const argv[]);

/* Copies the image file and records the container (state "created"). */
int bl_container_create(bl_ctx *ctx, const char *name, const bl_container_config *cfg);

/* A process running in the foreground: the program of a container started
 * attached or on a terminal, or an exec'd command. */
typedef struct bl_process bl_process;

enum {
        /* Wire the program's stdin/stdout/stderr to the caller's 0/1/2 and
         * return a bl_process to wait on (output is not logged). */
        BL_START_ATTACH = 1 << 0,
        /* Run the program on a new pseudo-terminal; the bl_process gives the
         * master side. */
        BL_START_TTY = 1 << 1
};

/* Starts a created or stopped container.  With flags 0 it runs detached,
 * its output in console.log, and ret may be NULL. */
int bl_container_start(bl_ctx *ctx, const char *name, unsigned flags, bl_process **ret);
/* SIGTERM, then SIGKILL after `timeout_sec` seconds (negative: 10). */
int bl_container_stop(bl_ctx *ctx, const char *name, int timeout_sec);
int bl_container_restart(bl_ctx *ctx, const char *name, int timeout_sec);
/* Deletes the container's disk and manifest; `force` stops it first. */
int bl_container_remove(bl_ctx *ctx, const char *name, int force);
/* Records with keys: name image pid state exit_code uptime addresses
 * memory cpus … (see README).  `all` includes stopped ones. */
int bl_container_list(bl_ctx *ctx, int all, bl_record_list **ret);
int bl_container_inspect(bl_ctx *ctx, const char *name, bl_record **ret);
/* A new image from a stopped container's disk and configuration. */
int bl_container_commit(bl_ctx *ctx, const char *name, const char *image);
/* Path of the container's console log. Free with free(). */
int bl_container_log_path(bl_ctx *ctx, const char *name, char **ret_path);
/* Live usage read from the cgroup: memory_bytes memory_limit cpu_usec
 * pids disk_read_bytes disk_write_bytes. */
int bl_container_stats(bl_ctx *ctx, const char *name, bl_record **ret);
/* Changes limits of an existing container (running or not); only the
 * limits set in `cfg` change. */
int bl_container_update(bl_ctx *ctx, const char *name, const bl_container_config *cfg);

typedef struct bl_exec_config bl_exec_config;
int bl_exec_config_new(bl_exec_config **ret);
void bl_exec_config_free(bl_exec_config *cfg);
int bl_exec_config_set_argv(bl_exec_config *cfg, char *const argv[]);
int bl_exec_config_add_env(bl_exec_config *cfg, const char *key_value);
int bl_exec_config_set_workdir(bl_exec_config *cfg, const char *dir);
int bl_exec_config_set_user(bl_exec_config *cfg, const char *user);
int bl_exec_config_set_tty(bl_exec_config *cfg, int tty);

/* Runs a command in a running container's namespaces and cgroup, with the
 * caller's stdio (or a new terminal with tty set). */
int bl_container_exec(bl_ctx *ctx, const char *name, const bl_exec_config *cfg, bl_process **ret);

/* The terminal master of a process started with a tty, or -1. */
int bl_process_ptmx(const bl_process *proc);
/* Waits for the process; ret_status gets Docker's convention: the program's
 * exit code, 128+N when killed by signal N, 126 not executable, 127 not
 * found. */
int bl_process_wait(bl_ctx *ctx, bl_process *proc, int *ret_status);
void bl_process_free(bl_process *proc);

/* ---------------------------------------------------------------- bridges */

/* Creates bridge `name` (at most 15 bytes) with the host address `cidr`
 * ("10.88.0.1/16"); the subnet must not overlap another bridge's. */
int bl_bridge_add(bl_ctx *ctx, const char *name, const char *cidr);
int bl_bridge_remove(bl_ctx *ctx, const char *name, int force);
int bl_bridge_set_up(bl_ctx *ctx, const char *name, int up);
/* Records: name address state containers. */
int bl_bridge_list(bl_ctx *ctx, bl_record_list **ret);

/* ------------------------------------------------------------------ check */

enum {
        BL_CHECK_DRY_RUN = 1 << 0    /* decide and report, change nothing */
};

/* Reconciles every container with the kernel (see README: "Control by
 * crontab"); one record per action with keys: container action detail. */
int bl_check(bl_ctx *ctx, unsigned flags, bl_record_list **ret);

/* ------------------------------------------------------------- registries */

enum {
        /* Registries reached over HTTP, or over HTTPS without checking the
         * certificate (a local or test registry); default: HTTPS, verified
         * against the system CAs and ROOT/certs.d/HOST:PORT/ca.crt,
         * /etc/containers/certs.d/…, /etc/docker/certs.d/…. */
        BL_REGISTRY_INSECURE = 1 << 0
};

/* Pulls `reference` ([REGISTRY/]REPOSITORY[:TAG][@sha256:…]; a name
 * without a registry is docker.io/library/…, said in a warning) as image
 * `name` (NULL: the repository's last component).  An index or manifest
 * list gives its linux/amd64 image.  Every blob is checked against its
 * digest while it downloads and kept in ROOT/blobs/sha256 (a second pull
 * fetches only new layers; a broken download resumes).  Credentials come
 * from the auth files (see bl_registry_login).  *ret_digest (may be NULL)
 * gets the manifest's digest; free() it.  Errors: -EINVAL bad reference or
 * name, -EEXIST the image exists, -ENOENT no such image or no
 * linux/amd64 one, -EACCES refused credentials, -EBADMSG a blob or
 * manifest that does not match its digest, -EIO a server that fails
 * (after retrying 429 and 5xx answers and broken transfers). */
int bl_image_pull(bl_ctx *ctx, const char *reference, const char *name, unsigned flags, char **ret_digest);
/* Pushes image `name` as `reference` (REGISTRY/REPOSITORY[:TAG]): one
 * layer and its config (as bl_image_export makes them), blobs the
 * registry has skipped, then the OCI manifest.  *ret_digest: the
 * manifest's digest.  Errors as bl_image_pull. */
int bl_image_push(bl_ctx *ctx, const char *name, const char *reference, unsigned flags, char **ret_digest);
/* Checks user:password against `registry` (HOST[:PORT]), then stores them
 * (mode 0600) in $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/
 * auth.json, else ~/.docker/config.json.  -EACCES when refused. */
int bl_registry_login(bl_ctx *ctx, const char *registry, const char *user, const char *password, unsigned flags);
/* Removes the credentials of `registry` from that file; -ENOENT when none. */
int bl_registry_logout(bl_ctx *ctx, const char *registry);
/* Removes the cached blobs no pulled image still names (and partial
 * downloads); *ret_freed (may be NULL): bytes freed. */
int bl_image_prune_cache(bl_ctx *ctx, uint64_t *ret_freed);

#ifdef __cplusplus
}
#endif
#endif
