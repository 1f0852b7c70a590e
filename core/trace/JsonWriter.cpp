#include "JsonWriter.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

namespace forklab {

namespace {

// True if s is well-formed UTF-8 (what nlohmann's serializer accepts unchanged): no overlong
// forms, no surrogates, nothing above U+10FFFF.
bool validUtf8(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    while (p < end) {
        unsigned c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        size_t n;
        unsigned lo = 0x80, hi = 0xBF; // the allowed range of the second byte
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            if (c == 0xE0) lo = 0xA0;
            if (c == 0xED) hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;
        } else {
            return false;
        }
        if (size_t(end - p) <= n) return false;
        if (p[1] < lo || p[1] > hi) return false;
        for (size_t k = 2; k <= n; ++k)
            if ((p[k] & 0xC0) != 0x80) return false;
        p += n + 1;
    }
    return true;
}

} // namespace

JsonWriter& JsonWriter::value(int64_t v) {
    sep();
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    s_.append(buf, r.ptr);
    return *this;
}

JsonWriter& JsonWriter::value(uint64_t v) {
    sep();
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    s_.append(buf, r.ptr);
    return *this;
}

void JsonWriter::appendQuoted(std::string& out, std::string_view v) {
    bool ascii = true;
    for (char c : v)
        if (c & 0x80) {
            ascii = false;
            break;
        }
    // nlohmann's replacement rules for broken UTF-8 are intricate; such strings are rare (program
    // output cut mid-character), so they go through nlohmann itself.
    if (!ascii && !validUtf8(v)) {
        out += nlohmann::json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        return;
    }
    out += '"';
    size_t run = 0; // start of the bytes not yet copied
    for (size_t i = 0; i < v.size(); ++i) {
        auto c = static_cast<unsigned char>(v[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(v.data() + run, i - run);
        run = i + 1;
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\r':
            out += "\\r";
            break;
        default: {
            static const char hex[] = "0123456789abcdef";
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            out.append(esc, 6);
        }
        }
    }
    out.append(v.data() + run, v.size() - run);
    out += '"';
}

} // namespace forklab
