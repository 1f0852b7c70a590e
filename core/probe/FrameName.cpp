#include "FrameName.hpp"

#include <cstdlib>
#include <cxxabi.h>
#include <memory>

namespace forklab {

std::string cleanName(std::string_view name, size_t max) {
    if (name.size() > max) {
        size_t cut = max;
        while (cut > 0 && (uint8_t(name[cut]) & 0xC0) == 0x80) --cut; // not inside a character
        name = name.substr(0, cut);
    }
    std::string out(name);
    for (char& c : out)
        if (uint8_t(c) < 0x20 || c == 0x7f) c = '?';
    return out;
}

std::string readableSymbol(std::string_view raw, size_t max) {
    raw = raw.substr(0, raw.find('@'));
    raw = raw.substr(0, raw.find('\0'));
    if (raw.size() >= 3 && raw.size() <= 1024 && raw.starts_with("_Z")) {
        std::string z(raw); // NUL-terminated for the demangler
        int status = 0;
        std::unique_ptr<char, decltype(&std::free)> out(
            abi::__cxa_demangle(z.c_str(), nullptr, nullptr, &status), &std::free);
        if (status == 0 && out) return cleanName(out.get(), max);
    }
    return cleanName(raw, max);
}

std::string shortFunctionName(std::string_view fn) {
    static constexpr std::string_view kAnon = "(anonymous namespace)";
    // The name ends at the first '(' outside template arguments that is not part of
    // "(anonymous namespace)" or "operator()"; it starts after the last "::" before that.
    int angle = 0;
    size_t start = 0, end = fn.size();
    for (size_t i = 0; i < fn.size(); ++i) {
        std::string_view before = fn.substr(0, i);
        char c = fn[i];
        if (c == '<') {
            if (before.ends_with("operator") || before.ends_with("operator<")) continue;
            ++angle;
        } else if (c == '>') {
            if (before.ends_with("operator") || before.ends_with("operator-") ||
                before.ends_with("operator>"))
                continue;
            if (angle > 0) --angle;
        } else if (c == '(' && angle == 0) {
            if (fn.substr(i).starts_with(kAnon)) {
                i += kAnon.size() - 1;
                continue;
            }
            if (before.ends_with("operator") && fn.substr(i).starts_with("()")) {
                ++i;
                continue;
            }
            end = i;
            break;
        } else if (c == ':' && angle == 0 && i + 1 < fn.size() && fn[i + 1] == ':') {
            start = i + 2;
            ++i;
        }
    }
    if (start >= end) return std::string(fn.substr(0, end));
    return std::string(fn.substr(start, end - start));
}

} // namespace forklab
