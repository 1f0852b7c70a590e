#include "wordstat.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char* s) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; ++s) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

void table_init(struct table* t, size_t cap) {
    t->slots = calloc(cap, sizeof *t->slots);
    t->cap = t->slots ? cap : 0;
    t->used = 0;
}

static void grow(struct table* t) {
    struct table bigger;
    table_init(&bigger, t->cap * 2);
    for (size_t i = 0; i < t->cap; ++i) {
        if (!t->slots[i].word) continue;
        size_t j = hash(t->slots[i].word) % bigger.cap;
        while (bigger.slots[j].word) j = (j + 1) % bigger.cap;
        bigger.slots[j] = t->slots[i];
        bigger.used++;
    }
    free(t->slots);
    *t = bigger;
}

void table_add(struct table* t, const char* word) {
    if (!t->cap) return;
    if ((t->used + 1) * 2 > t->cap) grow(t);
    size_t i = hash(word) % t->cap;
    while (t->slots[i].word && strcmp(t->slots[i].word, word) != 0) i = (i + 1) % t->cap;
    if (!t->slots[i].word) {
        t->slots[i].word = strdup(word);
        t->used++;
    }
    t->slots[i].count++;
}

void table_free(struct table* t) {
    for (size_t i = 0; i < t->cap; ++i) free(t->slots[i].word);
    free(t->slots);
    t->slots = NULL;
    t->cap = t->used = 0;
}
