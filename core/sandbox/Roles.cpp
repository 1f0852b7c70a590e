#include "Roles.hpp"

namespace forklab {

Role roleFromCommandLine(const std::vector<std::string>& argv) {
    auto has = [&](const char* needle) {
        for (auto& a : argv)
            if (a.find(needle) != std::string::npos) return true;
        return false;
    };
    if (argv.size() > 1) {
        if (argv[1] == "--forklab-spawn-child") return Role::SpawnChild;
        if (argv[1] == "--forklab-forkserver") return Role::Forkserver;
        if (argv[1] == "--forklab-tracker") return Role::Tracker;
    }
    if (has("multiprocessing.forkserver import main")) return Role::Forkserver;
    if (has("multiprocessing.resource_tracker import main") ||
        has("multiprocessing.semaphore_tracker import main"))
        return Role::Tracker;
    for (auto& a : argv)
        if (a == "--multiprocessing-fork") return Role::SpawnChild;
    return Role::Program;
}

} // namespace forklab
