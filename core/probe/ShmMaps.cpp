#include "ShmMaps.hpp"

#include <charconv>
#include <map>
#include <string_view>
#include <sys/sysmacros.h>

namespace forklab {

namespace {

// Cuts the next space-separated token off the front of s.
std::string_view token(std::string_view& s) {
    size_t b = s.find_first_not_of(' ');
    if (b == std::string_view::npos) {
        s = {};
        return {};
    }
    s.remove_prefix(b);
    size_t e = s.find(' ');
    std::string_view tok = s.substr(0, e);
    s.remove_prefix(e == std::string_view::npos ? s.size() : e);
    return tok;
}

template <typename T>
bool parseWhole(std::string_view s, T* out, int base) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, base);
    return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

} // namespace

std::vector<ShmMapping> parseShmMappings(const std::string& maps) {
    std::vector<ShmMapping> out;
    std::map<std::pair<uint64_t, uint64_t>, size_t> index; // (dev, inode) -> its entry in out
    std::string_view rest(maps);
    while (!rest.empty()) {
        size_t nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        // "start-end perms offset MM:mm inode   path"
        std::string_view range = token(line);
        token(line); // perms
        token(line); // offset
        std::string_view dev = token(line);
        std::string_view ino = token(line);
        size_t p = line.find_first_not_of(' ');
        if (p == std::string_view::npos) continue;
        std::string_view path = line.substr(p); // may contain spaces, may end in " (deleted)"
        if (!path.starts_with("/dev/shm/")) continue;
        size_t dash = range.find('-');
        size_t colon = dev.find(':');
        ShmMapping m;
        unsigned major = 0, minor = 0;
        if (dash == std::string_view::npos || colon == std::string_view::npos ||
            !parseWhole(range.substr(0, dash), &m.start, 16) ||
            !parseWhole(dev.substr(0, colon), &major, 16) ||
            !parseWhole(dev.substr(colon + 1), &minor, 16) || !parseWhole(ino, &m.inode, 10))
            continue;
        m.dev = makedev(major, minor);
        m.path = std::string(path);
        // One entry per file (dev, inode), at its lowest mapping. Found through an index: a
        // program can map tens of thousands of files, and a scan per line would be quadratic.
        auto [at, added] = index.try_emplace({m.dev, m.inode}, out.size());
        if (added)
            out.push_back(std::move(m));
        else if (m.start < out[at->second].start)
            out[at->second] = std::move(m);
    }
    return out;
}

std::vector<ShmMapping> readShmMappings(const ProcDir& dir) {
    auto text = dir.readFile("maps");
    return text ? parseShmMappings(*text) : std::vector<ShmMapping>{};
}

} // namespace forklab
