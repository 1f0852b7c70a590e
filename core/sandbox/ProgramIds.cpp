#include "ProgramIds.hpp"

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <unistd.h>

namespace forklab {
namespace {

std::optional<unsigned> envId(const char* name) {
    const char* v = getenv(name);
    if (!v || !*v) return std::nullopt;
    unsigned id = 0;
    auto [end, ec] = std::from_chars(v, v + strlen(v), id);
    // 0 is root and -1 is "no id": neither is a user to become.
    if (ec != std::errc() || *end || id == 0 || id == unsigned(-1)) return std::nullopt;
    return id;
}

} // namespace

ProgramIds ProgramIds::choose(bool asRoot, std::string* note) {
    ProgramIds ids{getuid(), getgid(), false};
    if (ids.uid != 0 || asRoot || !getenv("SUDO_UID")) return ids;
    auto uid = envId("SUDO_UID");
    auto gid = envId("SUDO_GID");
    if (!uid || !gid) {
        if (note) *note = "SUDO_UID/SUDO_GID are not valid ids: the program runs as root";
        return ids;
    }
    return ProgramIds{*uid, *gid, true};
}

} // namespace forklab
