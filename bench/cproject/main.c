#include "wordstat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char sample[] =
    "fork copies the parent spawn starts a fresh program forkserver asks a small server to fork "
    "the kernel is the witness every process has a parent and a table of open files";

int main(int argc, char** argv) {
    size_t top = argc > 1 ? (size_t)atoi(argv[1]) : 5;
    struct table t;
    table_init(&t, 64);
    char word[64];
    size_t at = 0, n;
    while ((n = next_word(sample, sizeof sample - 1, &at, word, sizeof word)) > 0)
        table_add(&t, word);
    report(&t, top);
    printf("crc32 %08x\n", (unsigned)crc32_of(sample, sizeof sample - 1));
    table_free(&t);
    return 0;
}
