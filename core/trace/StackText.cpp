#include "StackText.hpp"

#include "core/base/Text.hpp"

#include <charconv>

namespace forklab {

std::string packStack(const ThreadStack& s) {
    if (s.frames.empty()) return s.unread.empty() ? "" : "!" + cleanName(s.unread, 200);
    std::string out;
    for (const StackFrame& f : s.frames) {
        out += hex(f.pc);
        out += '\t';
        out += cleanName(f.module, kMaxFrameModule);
        out += '\t';
        out += cleanName(f.function, kMaxFrameFunction);
        out += '\n';
    }
    if (s.truncated) out += "+\n";
    return out;
}

ThreadStack unpackStack(std::string_view p) {
    ThreadStack s;
    if (p.empty()) return s;
    if (p[0] == '!') {
        s.unread = std::string(p.substr(1));
        if (s.unread.empty()) s.unread = "unknown";
        return s;
    }
    while (!p.empty() && s.frames.size() <= kMaxStackFrames) {
        size_t nl = p.find('\n');
        std::string_view line = p.substr(0, nl);
        p = nl == std::string_view::npos ? std::string_view() : p.substr(nl + 1);
        if (line == "+") {
            s.truncated = true;
            continue;
        }
        size_t t1 = line.find('\t');
        size_t t2 = t1 == std::string_view::npos ? t1 : line.find('\t', t1 + 1);
        if (t2 == std::string_view::npos || !line.starts_with("0x")) continue;
        StackFrame f;
        auto [ptr, ec] = std::from_chars(line.data() + 2, line.data() + t1, f.pc, 16);
        if (ec != std::errc() || ptr != line.data() + t1) continue;
        f.module = std::string(line.substr(t1 + 1, t2 - t1 - 1));
        f.function = std::string(line.substr(t2 + 1));
        if (s.frames.size() < kMaxStackFrames) s.frames.push_back(std::move(f));
    }
    return s;
}

std::string frameText(const StackFrame& f) {
    std::string out = f.function.empty() ? hex(f.pc) : f.function;
    if (!f.module.empty()) out += " (" + f.module + ")";
    return out;
}

std::string stackLine(const ThreadStack& s, size_t maxNames) {
    if (s.frames.empty())
        return s.unread.empty() ? "stack not recorded" : "stack not read: " + s.unread;
    std::string out;
    size_t shown = std::min(maxNames, s.frames.size());
    for (size_t i = 0; i < shown; ++i) {
        const StackFrame& f = s.frames[i];
        if (i) out += " \u2190 ";
        out += f.function.empty() ? "?? (" + (f.module.empty() ? hex(f.pc) : f.module) + ")"
                                  : shortFunctionName(f.function);
    }
    size_t more = s.frames.size() - shown;
    if (more || s.truncated)
        out += " \u2190 \u2026 (" +
               (more ? std::to_string(more) + " more" + (s.truncated ? ", and deeper" : "")
                     : std::string("deeper frames not read")) +
               ")";
    return out;
}

} // namespace forklab
