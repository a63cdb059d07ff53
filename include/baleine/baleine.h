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
 *    state root are serialised by a file lock;
 *  - names: bl_NOUN_VERB (bl_container_start), configs bl_NOUN_config_*,
 *    getters bl_NOUN_info_get_*; a config remembers the context it was made
 *    with and its setters report there, so the context must outlive it;
 *  - setters validate at once: a bad value fails at the setter (-EINVAL for
 *    bad text, -ERANGE for a value the host cannot give) and leaves the
 *    config as it was;
 *  - errors common to every call taking a name: -EINVAL for an invalid name,
 *    -ENOENT when no such object exists, -ENOMEM; only the others are listed
 *    below.
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
 * /var/lib/baleine when that is unset.  The root is created if missing.
 * Errors: -EINVAL (root not absolute), -EACCES/-EROFS/-ENOTDIR (the root
 * cannot be made or used).  No message can be kept: the context does not
 * exist. */
int bl_ctx_new(bl_ctx **ret, const char *root);
/* Frees the context (NULL is fine). */
void bl_ctx_free(bl_ctx *ctx);
/* The state root's absolute path. */
const char *bl_ctx_root(const bl_ctx *ctx);
/* The message of the last failed call, or "" when none failed. */
const char *bl_ctx_errmsg(const bl_ctx *ctx);
/* Sets the log callback (NULL: no log). */
void bl_ctx_set_log(bl_ctx *ctx, bl_log_fn fn, void *userdata);
/* Sets the progress callback (NULL: none). */
void bl_ctx_set_progress(bl_ctx *ctx, bl_progress_fn fn, void *userdata);

/* The library's version, e.g. "1.0.0". */
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

/* The value of `key`, or NULL when the record has none. */
const char *bl_record_get(const bl_record *rec, const char *key);
/* Number of pairs; bl_record_key/_value give pair i (NULL past the end). */
size_t bl_record_count(const bl_record *rec);
const char *bl_record_key(const bl_record *rec, size_t i);
const char *bl_record_value(const bl_record *rec, size_t i);
void bl_record_free(bl_record *rec);

/* Number of records; bl_record_list_get gives record i (NULL past the end),
 * owned by the list. */
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

/* A new image configuration whose setters report into ctx (NULL: errno
 * only).  Errors: -ENOMEM. */
int bl_image_config_new(bl_ctx *ctx, bl_image_config **ret);
void bl_image_config_free(bl_image_config *cfg);
/* Size of the image file; 0 (the default) sizes it from the content. */
int bl_image_config_set_size(bl_image_config *cfg, uint64_t bytes);
/* Where the root filesystem comes from; arg as each source says.  Errors:
 * -EINVAL (unknown source, missing arg). */
int bl_image_config_set_source(bl_image_config *cfg, bl_image_source source, const char *arg);
/* Adds a host program and every shared library it needs (repeatable). */
int bl_image_config_add_program(bl_image_config *cfg, const char *host_path);
/* Copies a host file or directory tree to `image_path` (NULL: same path). */
int bl_image_config_add_copy(bl_image_config *cfg, const char *host_path, const char *image_path);
/* debootstrap only: comma-separated extra packages, and the mirror URL. */
int bl_image_config_set_debootstrap(bl_image_config *cfg, const char *include, const char *mirror);
/* The command containers run when none is given (NULL-terminated argv). */
int bl_image_config_set_cmd(bl_image_config *cfg, char *const argv[]);

/* Creates image `name`: an ext4 filesystem in ROOT/images/NAME.img.
 * Errors: -EEXIST (name taken), -ENOSPC, -ENOENT (a source or program
 * missing), -EIO (mke2fs, debootstrap failed). */
int bl_image_create(bl_ctx *ctx, const char *name, const bl_image_config *cfg);
/* Imports what `docker save`, `podman save` and OCI tools write: a
 * docker-archive, an OCI archive (tar) or an OCI layout folder at `path`.
 * Every blob is checked against its digest before any layer is applied.
 * cfg may set the size and the tag to pick (bl_image_config_set_tag). */
int bl_image_import(bl_ctx *ctx, const char *name, const char *path, const bl_image_config *cfg);
/* The archive formats bl_image_export writes. */
typedef enum bl_export_format {
        BL_EXPORT_DOCKER_ARCHIVE = 0,   /* what `docker save` writes */
        BL_EXPORT_OCI_ARCHIVE = 1       /* an OCI image layout in a tar */
} bl_export_format;

/* Writes `file`: a one-layer archive `docker load` / `podman load` accept,
 * in `format`; tag NULL: the imported tag, else NAME:latest.  Errors:
 * -EINVAL (unknown format, bad tag), -EEXIST (file exists), -ENOSPC. */
int bl_image_export(bl_ctx *ctx, const char *name, const char *file, const char *tag, bl_export_format format);
/* Which image of a multi-image archive to import ("repo:tag"). */
int bl_image_config_set_tag(bl_image_config *cfg, const char *tag);

/* Removes an image; images are copied by containers, so none depends on it.
 * Errors: -EBUSY (being created or exported). */
int bl_image_remove(bl_ctx *ctx, const char *name);
/* Records with keys: name size path used source created (+ config keys).
 * Errors: -EACCES/-EIO (the state root cannot be read). */
int bl_image_list(bl_ctx *ctx, bl_record_list **ret);
/* One image's record, as in the listing. */
int bl_image_inspect(bl_ctx *ctx, const char *name, bl_record **ret);

/* ------------------------------------------------------------- containers */

typedef struct bl_container_config bl_container_config;

/* A new container configuration whose setters report into ctx (NULL:
 * errno only).  Errors: -ENOMEM. */
int bl_container_config_new(bl_ctx *ctx, bl_container_config **ret);
void bl_container_config_free(bl_container_config *cfg);
/* The image the container's disk is copied from (-EINVAL: not a name). */
int bl_container_config_set_image(bl_container_config *cfg, const char *image);
/* The program and its arguments (NULL-terminated); default: the image's
 * command, else /bin/sh. */
int bl_container_config_set_argv(bl_container_config *cfg, char *const argv[]);
/* "KEY=VALUE", repeatable; a later KEY replaces an earlier one (-EINVAL:
 * no KEY, no '=', a newline). */
int bl_container_config_add_env(bl_container_config *cfg, const char *key_value);
/* The program's working directory (-EINVAL: not absolute). */
int bl_container_config_set_workdir(bl_container_config *cfg, const char *dir);
/* Default: the container's name (-EINVAL: not an RFC 1123 host name). */
int bl_container_config_set_hostname(bl_container_config *cfg, const char *hostname);
/* "USER[:GROUP]", numbers or names of the image's /etc/passwd and
 * /etc/group, the program runs as (-EINVAL: other text). */
int bl_container_config_set_user(bl_container_config *cfg, const char *user);
/* Memory limit in bytes, swap excluded (0: none; -EINVAL: below 6 MiB). */
int bl_container_config_set_memory(bl_container_config *cfg, uint64_t bytes);
/* CPU list such as "0-1,3" (cpuset).  -EINVAL: not a list (or a CPU named
 * twice); -ERANGE: a CPU this host does not have. */
int bl_container_config_set_cpus(bl_container_config *cfg, const char *cpus);
/* CPU quota in CPUs, e.g. 0.5.  -EINVAL: NaN, below 0.01; -ERANGE: more
 * than the host's CPUs. */
int bl_container_config_set_cpu_quota(bl_container_config *cfg, double cpus);
/* Maximum number of tasks (0: none; -EINVAL: 1, too few for init and
 * program). */
int bl_container_config_set_pids(bl_container_config *cfg, uint64_t max);
/* Disk bandwidth in bytes per second; device NULL = the container's own
 * disk, else a block device path (-EINVAL: not a path; -E2BIG: more than
 * 4 devices). */
int bl_container_config_set_disk_read_bps(bl_container_config *cfg, const char *device, uint64_t bps);
int bl_container_config_set_disk_write_bps(bl_container_config *cfg, const char *device, uint64_t bps);
/* Device cgroup rule "c|b|a MAJOR|*:MINOR|* [rwm]", allowed or denied on top
 * of the default allowlist (-EINVAL: not such a rule). */
int bl_container_config_add_device_rule(bl_container_config *cfg, int allow, const char *rule);
/* Attaches an interface to `bridge`, with `address` ("10.88.0.5" or
 * "10.88.0.5/16") or NULL for the first free address; repeatable (-EINVAL:
 * bad bridge name or address; -E2BIG: more than 8).  The bridge is looked
 * up at create. */
int bl_container_config_add_network(bl_container_config *cfg, const char *bridge, const char *address);
/* "no", "on-failure", "on-failure:N" or "always" (-EINVAL otherwise); what
 * `baleine check` does when the program ends. */
int bl_container_config_set_restart(bl_container_config *cfg, const char *policy);
/* Capability names ("NET_ADMIN" or "CAP_NET_ADMIN", "ALL") added to or
 * dropped from Docker's default set (-EINVAL: unknown name). */
int bl_container_config_add_cap(bl_container_config *cfg, const char *cap);
int bl_container_config_drop_cap(bl_container_config *cfg, const char *cap);
/* Lifts the capability set, seccomp, masked paths and device rules. */
int bl_container_config_set_privileged(bl_container_config *cfg, int privileged);
/* Turns the default seccomp filter off (unconfined) or on. */
int bl_container_config_set_seccomp(bl_container_config *cfg, int enabled);
/* Runs the container in a user namespace: its root is host id `start`
 * for `count` ids (count 0: root's first range in /etc/subuid and
 * /etc/subgid); its disk is presented through an idmapped mount (-EINVAL:
 * start 0 or a range past 2^32). */
int bl_container_config_set_userns(bl_container_config *cfg, int enabled, uint32_t start, uint32_t count);
/* Remove the container once it has ended (check removes a detached one). */
int bl_container_config_set_auto_remove(bl_container_config *cfg, int enabled);
/* Start the program on a terminal (see BL_START_TTY). */
int bl_container_config_set_tty(bl_container_config *cfg, int tty);

/* Replaces the image's entrypoint (the program the command is given to;
 * -EINVAL: empty). */
int bl_container_config_set_entrypoint(bl_container_config *cfg, char *const argv[]);

/* Copies the image file and records the container (state "created").
 * Errors: -EEXIST (name taken), -ENOENT (image or bridge missing), -ENOSPC,
 * -EADDRINUSE (address taken), -ENOTSUP (a limit the host's cgroups lack). */
int bl_container_create(bl_ctx *ctx, const char *name, const bl_container_config *cfg);

/* A process running in the foreground: the program of a container started
 * attached or on a terminal, or an exec'd command. */
typedef struct bl_process bl_process;

enum {
        /* Wire the program's stdin/stdout/stderr to the caller's 0/1/2 and
         * return a bl_process to wait on (output is logged too; see
         * bl_container_start_attach for other descriptors). */
        BL_START_ATTACH = 1 << 0,
        /* Run the program on a new pseudo-terminal; the bl_process gives the
         * master side. */
        BL_START_TTY = 1 << 1
};

/* Starts a created or stopped container.  With flags 0 it runs detached,
 * its output in console.log, and ret may be NULL.  Errors: -EBUSY
 * (running), -ENOENT (baleine-init not installed), -EIO (the program could
 * not be started: the message says why). */
int bl_container_start(bl_ctx *ctx, const char *name, unsigned flags, bl_process **ret);
/* Starts a created or stopped container attached to descriptors of the
 * caller (which stay the caller's: the library dups none over 0/1/2 and
 * closes none): the program reads `in` (-1: /dev/null) and its output goes
 * to `out` and `err` and, as Docker's logs show attached output too, to
 * console.log (-1: to console.log only).  *ret (required) is the process to
 * wait on; set only on success.  BL_START_ATTACH is this with 0, 1, 2.
 * Errors: those of bl_container_start; -EINVAL when ret is NULL; -EBADF
 * when a descriptor is not open. */
int bl_container_start_attach(bl_ctx *ctx, const char *name, int in, int out, int err, bl_process **ret);
/* SIGTERM, then SIGKILL after `timeout_sec` seconds (negative: 10); a
 * paused container is thawed first.  Errors: -EINVAL (not running). */
int bl_container_stop(bl_ctx *ctx, const char *name, int timeout_sec);
/* Stops the container if it runs, then starts it again on the same disk. */
int bl_container_restart(bl_ctx *ctx, const char *name, int timeout_sec);
/* Deletes the container's disk and manifest; `force` stops it first.
 * Errors: -EBUSY (running without force, being created). */
int bl_container_remove(bl_ctx *ctx, const char *name, int force);
/* Records with keys: name image pid state exit_code uptime addresses
 * memory cpus … (see README).  `all` includes stopped ones.  Errors:
 * -EACCES/-EIO (the state root cannot be read). */
int bl_container_list(bl_ctx *ctx, int all, bl_record_list **ret);
/* One container's record, as in the listing. */
int bl_container_inspect(bl_ctx *ctx, const char *name, bl_record **ret);
/* A new image from a stopped container's disk and configuration.  Errors:
 * -EBUSY (running), -EEXIST (image name taken). */
int bl_container_commit(bl_ctx *ctx, const char *name, const char *image);
/* Path of the container's console log. Free with free(). */
int bl_container_log_path(bl_ctx *ctx, const char *name, char **ret_path);
/* Live usage read from the cgroup: memory_bytes memory_limit cpu_usec
 * pids disk_read_bytes disk_write_bytes.  Errors: -EINVAL (not running). */
int bl_container_stats(bl_ctx *ctx, const char *name, bl_record **ret);
/* Changes limits of an existing container (running or not); only the
 * limits set in `cfg` change.  Errors: as the setters, checked again. */
int bl_container_update(bl_ctx *ctx, const char *name, const bl_container_config *cfg);

/* Waits until the container's program has ended, at most timeout_ms
 * milliseconds (negative: no limit); works for a container started by any
 * process.  *ret_exit_code (may be NULL) gets Docker's code: the program's
 * status, 128+N when killed by signal N.  A container that already exited
 * returns at once.  Errors: -ETIMEDOUT (still running at the timeout),
 * -EINVAL (never started). */
int bl_container_wait(bl_ctx *ctx, const char *name, int timeout_ms, int *ret_exit_code);
/* Sends `signal` to the container's program through its init, which
 * forwards it (SIGKILL ends the whole container at once); a run that ended
 * is never signalled, even when its pid was reused.  A paused container
 * is thawed by SIGKILL; other signals wait for bl_container_unpause.
 * Errors: -EINVAL (not running, or a signal the init does not forward:
 * SIGSTOP (use bl_container_pause), the real-time ones, 0). */
int bl_container_kill(bl_ctx *ctx, const char *name, int signal);
/* Freezes every process of a running container (cgroup freezer); its state
 * reads "paused" until bl_container_unpause.  Errors: -EINVAL (not
 * running, already paused / not paused), -ENOTSUP (no freezer on this
 * host), -ETIMEDOUT (the kernel did not finish freezing in 5 s: thawed
 * again). */
int bl_container_pause(bl_ctx *ctx, const char *name);
int bl_container_unpause(bl_ctx *ctx, const char *name);

/* -------------------------------------------------------- container info */

typedef enum bl_container_state {
        BL_CONTAINER_CREATED = 0,   /* made, never started */
        BL_CONTAINER_STARTING,      /* a start is under way */
        BL_CONTAINER_RUNNING,
        BL_CONTAINER_PAUSED,        /* running, every process frozen */
        BL_CONTAINER_EXITED,        /* its program ended: see the exit code */
        BL_CONTAINER_UNKNOWN        /* a state this version does not know */
} bl_container_state;

/* "created", "starting", "running", "paused", "exited" or "unknown". */
const char *bl_container_state_name(bl_container_state state);

/* A typed snapshot of one container, taken as bl_container_inspect sees it
 * (a dead run is marked exited first). */
typedef struct bl_container_info bl_container_info;

/* Errors: as bl_container_inspect; -EBADMSG (a manifest value that is not
 * what it should be: the message names the key). */
int bl_container_info_get(bl_ctx *ctx, const char *name, bl_container_info **ret);
void bl_container_info_free(bl_container_info *info);

/* The getters cannot fail; text points into info.  Name, image (NULL for
 * a manifest without one), state. */
const char *bl_container_info_get_name(const bl_container_info *info);
const char *bl_container_info_get_image(const bl_container_info *info);
bl_container_state bl_container_info_get_state(const bl_container_info *info);
/* The init's pid on the host; 0 when not running. */
pid_t bl_container_info_get_pid(const bl_container_info *info);
/* Docker's exit code of the last run; -1 when no run has ended. */
int bl_container_info_get_exit_code(const bl_container_info *info);
/* 1 when the last run was killed by the kernel's OOM killer. */
int bl_container_info_get_oom_killed(const bl_container_info *info);
/* Seconds since the epoch; 0 when never started / not finished. */
int64_t bl_container_info_get_created_at(const bl_container_info *info);
int64_t bl_container_info_get_started_at(const bl_container_info *info);
int64_t bl_container_info_get_finished_at(const bl_container_info *info);
/* The restart policy text ("no" when none). */
const char *bl_container_info_get_restart(const bl_container_info *info);
/* The container's interfaces, one a bridge: ret_bridge and ret_address
 * ("10.88.0.2") point into info, ret_prefix gets the prefix length; any
 * output may be NULL.  Errors: -ERANGE (i past the count). */
size_t bl_container_info_get_address_count(const bl_container_info *info);
int bl_container_info_get_address(const bl_container_info *info, size_t i, const char **ret_bridge, const char **ret_address,
                                  int *ret_prefix);
/* Limits as set (0 / NULL: none): memory in bytes, CPU quota in CPUs, the
 * task count, the cpuset list text. */
uint64_t bl_container_info_get_memory_limit(const bl_container_info *info);
double bl_container_info_get_cpu_quota(const bl_container_info *info);
uint64_t bl_container_info_get_pids_limit(const bl_container_info *info);
const char *bl_container_info_get_cpuset(const bl_container_info *info);

/* What bl_container_exec runs; its setters report into ctx and check as
 * the container config's do. */
typedef struct bl_exec_config bl_exec_config;
int bl_exec_config_new(bl_ctx *ctx, bl_exec_config **ret);
void bl_exec_config_free(bl_exec_config *cfg);
/* The command (required; -EINVAL: empty). */
int bl_exec_config_set_argv(bl_exec_config *cfg, char *const argv[]);
/* "KEY=VALUE" on top of the container's environment. */
int bl_exec_config_add_env(bl_exec_config *cfg, const char *key_value);
/* Absolute directory; default: the container's workdir. */
int bl_exec_config_set_workdir(bl_exec_config *cfg, const char *dir);
/* "USER[:GROUP]"; default: the container's user. */
int bl_exec_config_set_user(bl_exec_config *cfg, const char *user);
/* Runs the command on a new terminal. */
int bl_exec_config_set_tty(bl_exec_config *cfg, int tty);
/* The command's stdin, stdout and stderr: descriptors of the caller,
 * which stay open and the caller's (the library dups none over its own
 * 0/1/2).  -1: /dev/null (as `docker exec -d`: an exec's output never goes
 * to the container's log).  Without this call: the caller's 0, 1 and 2.
 * Ignored with a tty.  Errors: -EINVAL for a descriptor below -1. */
int bl_exec_config_set_stdio(bl_exec_config *cfg, int in, int out, int err);

/* Runs a command in a running container's namespaces and cgroup, with the
 * caller's stdio, the descriptors of bl_exec_config_set_stdio, or a new
 * terminal with tty set.  *ret is the process to wait on, set only on
 * success; an exec into a paused container is refused.  Errors (message in the context): -ENOENT no such container, or
 * the command is not found in it (Docker's status 127); -EACCES, -ENOEXEC
 * and other execve errors: the command cannot be executed (126); -EINVAL
 * not running or no command; -EBADF a stdio descriptor is not open. */
int bl_container_exec(bl_ctx *ctx, const char *name, const bl_exec_config *cfg, bl_process **ret);

/* The terminal master of a process started with a tty, or -1. */
int bl_process_ptmx(const bl_process *proc);
/* Waits for the process; ret_status gets Docker's convention: the program's
 * exit code, 128+N when killed by signal N.  Works whatever the caller does
 * with SIGCHLD (ignored, handled): the library's children send it none and
 * are waited for by pidfd.  Errors: -EINVAL no process; -ECHILD it was
 * already waited for. */
int bl_process_wait(bl_ctx *ctx, bl_process *proc, int *ret_status);
/* Frees the handle; a process not waited for keeps running. */
void bl_process_free(bl_process *proc);

/* ---------------------------------------------------------------- bridges */

/* Creates bridge `name` (at most 15 bytes) with the host address `cidr`
 * ("10.88.0.1/16"); the subnet must not overlap another bridge's.  Errors:
 * -EINVAL (bad name or CIDR), -EEXIST (the name is taken, here or in the
 * kernel), -EADDRINUSE (overlapping subnet). */
int bl_bridge_create(bl_ctx *ctx, const char *name, const char *cidr);
/* Removes the bridge; -EBUSY while containers use it, unless `force`. */
int bl_bridge_remove(bl_ctx *ctx, const char *name, int force);
/* Sets the kernel bridge up or down (recreating it when it is missing). */
int bl_bridge_set_up(bl_ctx *ctx, const char *name, int up);
/* Records: name address state containers. */
int bl_bridge_list(bl_ctx *ctx, bl_record_list **ret);

/* ------------------------------------------------------------------ check */

enum {
        BL_CHECK_DRY_RUN = 1 << 0    /* decide and report, change nothing */
};

/* Reconciles every container with the kernel (see README: "Control by
 * crontab"); one record per action with keys: container action detail.
 * Errors: -EACCES/-EIO (the state root cannot be read); a container that
 * cannot be repaired is an action, not an error. */
int bl_check_run(bl_ctx *ctx, unsigned flags, bl_record_list **ret);

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
/* bl_image_pull, with the entry of an index or manifest list taken for
 * `platform`: "OS/ARCH" (any variant) or "OS/ARCH/VARIANT", e.g.
 * "linux/arm64/v8"; NULL is "linux/amd64".  A single manifest is pulled
 * whatever its platform.  Errors as bl_image_pull, and -EINVAL a malformed
 * platform, -ENOENT an index without that platform (the error lists the
 * platforms it offers). */
int bl_image_pull_platform(bl_ctx *ctx, const char *reference, const char *name, const char *platform, unsigned flags,
                           char **ret_digest);
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
