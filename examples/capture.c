/* A complete program on libbaleine's calls alone: makes an image, creates a
 * container, runs it detached, waits for its end, captures its output,
 * reads its typed state and removes everything.
 *   cc capture.c $(pkg-config --cflags --libs libbaleine) -o capture
 *   sudo ./capture            (state in /var/lib/baleine, or $BALEINE_ROOT)
 * Exits with the container's own exit code (3), or 1 when baleine failed. */
#include <baleine/baleine.h>
#include <stdio.h>
#include <stdlib.h>

#define IMAGE "capture-image"
#define NAME "capture"

static int failed(bl_ctx *ctx, const char *what)
{
        fprintf(stderr, "capture: %s: %s\n", what, bl_ctx_errmsg(ctx));
        return 1;
}

/* Copies the container's console log (its stdout and stderr) to ours. */
static int print_output(bl_ctx *ctx)
{
        char *path, buf[4096];
        size_t n;
        if (bl_container_log_path(ctx, NAME, &path) < 0)
                return failed(ctx, "log");
        FILE *f = fopen(path, "r");
        free(path);
        if (!f)
                return 1;
        while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
                fwrite(buf, 1, n, stdout);
        fclose(f);
        return 0;
}

static int run(bl_ctx *ctx)
{
        bl_container_config *cfg;
        bl_container_info *info;
        char *argv[] = { "/bin/sh", "-c", "echo captured from $(hostname); echo to stderr >&2; exit 3", NULL };
        int code = -1;

        /* setters check their value at once and explain a refusal */
        if (bl_container_config_new(ctx, &cfg) < 0)
                return failed(ctx, "config");
        if (bl_container_config_set_image(cfg, IMAGE) < 0 || bl_container_config_set_argv(cfg, argv) < 0 ||
            bl_container_config_set_memory(cfg, 32u << 20) < 0) {
                bl_container_config_free(cfg);
                return failed(ctx, "config");
        }
        int r = bl_container_create(ctx, NAME, cfg);
        bl_container_config_free(cfg);
        if (r < 0)
                return failed(ctx, "create");

        if (bl_container_start(ctx, NAME, 0, NULL) < 0 || bl_container_wait(ctx, NAME, 30000, &code) < 0) {
                failed(ctx, "run");
                bl_container_remove(ctx, NAME, 1);
                return 1;
        }
        print_output(ctx);
        if (bl_container_info_get(ctx, NAME, &info) == 0) {
                printf("state %s, exit code %d, memory limit %llu bytes\n", bl_container_state_name(bl_container_info_get_state(info)),
                       bl_container_info_get_exit_code(info), (unsigned long long) bl_container_info_get_memory_limit(info));
                bl_container_info_free(info);
        }
        if (bl_container_remove(ctx, NAME, 0) < 0)
                return failed(ctx, "remove");
        return code;
}

int main(void)
{
        bl_ctx *ctx;
        bl_image_config *img = NULL;
        if (bl_ctx_new(&ctx, NULL) < 0)
                return 1;
        /* the default source: a busybox root filesystem from the host */
        if (bl_image_config_new(ctx, &img) < 0 || bl_image_create(ctx, IMAGE, img) < 0) {
                bl_image_config_free(img);
                int r = failed(ctx, "image");
                bl_ctx_free(ctx);
                return r;
        }
        bl_image_config_free(img);
        int code = run(ctx);
        if (bl_image_remove(ctx, IMAGE) < 0 && code != 1)
                code = failed(ctx, "image remove");
        bl_ctx_free(ctx);
        return code;
}
