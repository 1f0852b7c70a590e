#include "Text.hpp"

#include <cinttypes>
#include <cstdio>

namespace forklab {

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
    return buf;
}

std::string printable(std::string_view s, size_t max) {
    std::string out;
    for (char c : s) {
        if (out.size() >= max && (static_cast<unsigned char>(c) & 0xC0) != 0x80) {
            out += "…";
            break;
        }
        if (c == '\n')
            out += "\\n";
        else if (c == '\t')
            out += "\\t";
        else if (static_cast<unsigned char>(c) < 0x20)
            out += '?';
        else
            out += c;
    }
    return out;
}

} // namespace forklab
