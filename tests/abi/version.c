/* An outside program built with `cc version.c $(pkg-config --cflags --libs
 * libbaleine)` alone: it runs when the staged library loads, and says
 * whether that library is the version it was told to expect. */
#include <baleine/baleine.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
        const char *v = bl_version();
        printf("libbaleine %s\n", v);
        return argc == 2 && strcmp(v, argv[1]) == 0 ? 0 : 1;
}
