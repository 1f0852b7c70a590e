#include "wordstat.h"

#include <stdio.h>
#include <stdlib.h>

void report(const struct table* t, size_t top) {
    struct entry* all = malloc((t->used ? t->used : 1) * sizeof *all);
    if (!all) return;
    size_t n = 0;
    for (size_t i = 0; i < t->cap; ++i)
        if (t->slots[i].word) all[n++] = t->slots[i];
    sort_entries(all, n);
    for (size_t i = 0; i < n && i < top; ++i) printf("%6zu %s\n", all[i].count, all[i].word);
    free(all);
}
