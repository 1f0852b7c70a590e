#include "wordstat.h"

/* CRC-32 (IEEE), bit by bit: small, and enough work for the compiler to optimise. */
uint32_t crc32_of(const void* data, size_t len) {
    const unsigned char* p = data;
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < len; ++i) {
        crc ^= p[i];
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}
