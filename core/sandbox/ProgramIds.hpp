#pragma once
// Whose rights the program has: the person running forklab's, never more. Run as yourself, the
// program is you. Run through sudo (SUDO_UID/SUDO_GID set), forklab's root is only for forklab:
// the program is the user who typed sudo, unless --as-root asks otherwise.
#include <string>
#include <sys/types.h>

namespace forklab {

struct ProgramIds {
    uid_t uid = 0;
    gid_t gid = 0;
    bool drop = false; // forklab is root and the program is someone else: switch before it runs

    // From forklab's own ids and the environment; NOTE says why SUDO_UID was not used, if so.
    static ProgramIds choose(bool asRoot, std::string* note = nullptr);

    // One line of a uid_map/gid_map that maps exactly ID to itself.
    static std::string identityMap(unsigned id) {
        return std::to_string(id) + " " + std::to_string(id) + " 1\n";
    }
};

} // namespace forklab
