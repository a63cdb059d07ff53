/* The smallest program that runs a container through libbaleine:
 *   cc hello.c $(pkg-config --cflags --libs libbaleine) -o hello
 *   sudo ./hello            (state in /var/lib/baleine, or $BALEINE_ROOT) */
#include <baleine/baleine.h>
#include <stdio.h>

int main(void)
{
        bl_ctx *ctx;
        bl_image_config *img;
        bl_container_config *cfg;
        bl_process *proc;
        char *argv[] = { "/bin/sh", "-c", "echo hello from $(hostname) in a container", NULL };
        int status = 1;

        if (bl_ctx_new(&ctx, NULL) < 0)
                return 1;
        bl_image_config_new(ctx, &img);
        bl_container_config_new(ctx, &cfg);
        bl_container_config_set_image(cfg, "hello-image");
        bl_container_config_set_argv(cfg, argv);

        if (bl_image_create(ctx, "hello-image", img) < 0 ||
            bl_container_create(ctx, "hello", cfg) < 0 ||
            bl_container_start(ctx, "hello", BL_START_ATTACH, &proc) < 0 ||
            bl_process_wait(ctx, proc, &status) < 0)
                fprintf(stderr, "hello: %s\n", bl_ctx_errmsg(ctx));
        else
                bl_process_free(proc);

        bl_container_remove(ctx, "hello", 1);
        bl_image_remove(ctx, "hello-image");
        bl_container_config_free(cfg);
        bl_image_config_free(img);
        bl_ctx_free(ctx);
        return status;
}
