#include "wordstat.h"

#include <ctype.h>

/* Copies the next word (letters only, lower case) into out; returns its length, 0 at the end. */
size_t next_word(const char* text, size_t len, size_t* at, char* out, size_t outcap) {
    size_t i = *at;
    while (i < len && !isalpha((unsigned char)text[i])) ++i;
    size_t n = 0;
    while (i < len && isalpha((unsigned char)text[i])) {
        if (n + 1 < outcap) out[n++] = (char)tolower((unsigned char)text[i]);
        ++i;
    }
    out[n] = '\0';
    *at = i;
    return n;
}
