/* wordstat: counts the words of its input and prints the most frequent ones. */
#ifndef WORDSTAT_H
#define WORDSTAT_H
#include <stddef.h>
#include <stdint.h>

struct entry {
    char* word;
    size_t count;
};

struct table {
    struct entry* slots;
    size_t cap, used;
};

/* words.c */
size_t next_word(const char* text, size_t len, size_t* at, char* out, size_t outcap);
/* table.c */
void table_init(struct table* t, size_t cap);
void table_add(struct table* t, const char* word);
void table_free(struct table* t);
/* sort.c */
void sort_entries(struct entry* e, size_t n);
/* report.c */
void report(const struct table* t, size_t top);
/* checksum.c */
uint32_t crc32_of(const void* data, size_t len);
#endif
