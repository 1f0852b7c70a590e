#include "PipeWrites.hpp"

#include "core/base/HexBytes.hpp"

namespace forklab {

namespace {

void join(std::vector<PipeData>& out, const Trace& t, size_t i, const ev::PipeWrite& w) {
    const std::string target(t.str(w.target));
    PipeData* d = nullptr;
    for (auto& x : out)
        if (x.pid == t[i].pid && x.target == target) d = &x;
    if (!d) {
        out.push_back({t[i].pid, w.fd, target, {}, 0, 0, t[i].t});
        d = &out.back();
    }
    d->bytes += fromHexBytes(t.str(w.hex)).value_or(std::string());
    d->length += w.length;
    d->writes++;
}

} // namespace

std::vector<PipeData> pipeWrites(const Trace& t, size_t upto) {
    std::vector<PipeData> out;
    upto = std::min(upto, t.size());
    for (size_t i = 0; i < upto; ++i)
        if (const auto* w = t[i].get<ev::PipeWrite>()) join(out, t, i, *w);
    return out;
}

std::vector<PipeData> pipeWrites(const Trace& t, const std::vector<size_t>& events, size_t upto) {
    std::vector<PipeData> out;
    upto = std::min(upto, t.size());
    for (size_t i : events) {
        if (i >= upto) break;
        if (const auto* w = t[i].get<ev::PipeWrite>()) join(out, t, i, *w);
    }
    return out;
}

std::string execedExe(const Trace& t, pid_t pid, size_t upto) {
    std::string exe;
    upto = std::min(upto, t.size());
    for (size_t i = 0; i < upto; ++i)
        if (t[i].pid == pid)
            if (const auto* x = t[i].get<ev::Exec>()) exe = t.str(x->exe);
    return exe;
}

std::string hexHead(std::string_view bytes, size_t n) {
    std::string s;
    for (size_t i = 0; i < bytes.size() && i < n; ++i) {
        if (i) s += ' ';
        s += toHexBytes(bytes.substr(i, 1));
    }
    if (bytes.size() > n) s += " \u2026";
    return s;
}

} // namespace forklab
