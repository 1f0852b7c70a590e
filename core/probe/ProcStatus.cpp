#include "ProcStatus.hpp"

#include <charconv>
#include <string_view>

namespace forklab {

namespace {

template <typename T>
bool parseInt(std::string_view s, T* out) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return ec == std::errc() && end != s.data();
}

std::string_view trimLeft(std::string_view s) {
    size_t i = s.find_first_not_of(" \t");
    return i == std::string_view::npos ? std::string_view() : s.substr(i);
}

// Whitespace-separated fields of one line.
std::vector<std::string_view> fields(std::string_view s) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < s.size()) {
        size_t b = s.find_first_not_of(" \t", i);
        if (b == std::string_view::npos) break;
        size_t e = s.find_first_of(" \t", b);
        if (e == std::string_view::npos) e = s.size();
        out.push_back(s.substr(b, e - b));
        i = e;
    }
    return out;
}

} // namespace

std::optional<ProcStatus> parseProcStatus(const std::string& text) {
    ProcStatus st;
    bool haveTgid = false;
    std::string_view rest(text);
    while (!rest.empty()) {
        size_t nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string_view key = line.substr(0, colon);
        std::string_view value = trimLeft(line.substr(colon + 1));
        if (key == "Name") {
            st.name = std::string(value); // the kernel escapes '\n' in comm, so one line
        } else if (key == "State") {
            if (!value.empty()) st.state = value[0];
        } else if (key == "Tgid") {
            haveTgid = parseInt(value, &st.tgid);
        } else if (key == "PPid") {
            parseInt(value, &st.ppid);
        } else if (key == "Threads") {
            parseInt(value, &st.threads);
        } else if (key == "NSpid") {
            for (auto f : fields(value)) {
                pid_t p = 0;
                if (parseInt(f, &p)) st.nspid.push_back(p);
            }
        }
    }
    if (!haveTgid) return std::nullopt;
    return st;
}

std::optional<ProcStatus> readProcStatus(const ProcDir& dir) {
    auto text = dir.readShown("status");
    if (!text) return std::nullopt;
    return parseProcStatus(*text);
}

std::optional<ProcStat> parseProcStat(std::string_view text) {
    // comm may contain spaces and ')': the fields start after the last ')'.
    size_t paren = text.rfind(')');
    if (paren == std::string_view::npos) return std::nullopt;
    auto f = fields(text.substr(paren + 1));
    auto at = [&](int field) { return f[size_t(field - 3)]; }; // field 3 is the first after ')'
    ProcStat st;
    if (f.size() < 22 - 2 || at(3).size() != 1 || !parseInt(at(4), &st.ppid) ||
        !parseInt(at(20), &st.threads) || !parseInt(at(22), &st.startTime))
        return std::nullopt;
    st.state = at(3)[0];
    return st;
}

std::optional<ProcStat> readProcStat(const ProcDir& dir) {
    auto text = dir.readShown("stat");
    if (!text) return std::nullopt;
    return parseProcStat(*text);
}

std::optional<uint64_t> readStartTime(const ProcDir& dir) {
    auto st = readProcStat(dir);
    if (!st) return std::nullopt;
    return st->startTime;
}

std::vector<std::string> readCmdline(const ProcDir& dir) {
    std::vector<std::string> argv;
    auto text = dir.readFile("cmdline");
    if (!text) return argv;
    // NUL-separated; a process that rewrote its argv area may omit the final NUL.
    size_t i = 0;
    while (i < text->size()) {
        size_t e = text->find('\0', i);
        if (e == std::string::npos) e = text->size();
        argv.emplace_back(*text, i, e - i);
        i = e + 1;
    }
    return argv;
}

} // namespace forklab
