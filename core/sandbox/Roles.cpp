#include "Roles.hpp"

#include "LaunchForms.hpp"

namespace forklab {

Role roleFromCommandLine(std::string_view exe, const std::vector<std::string>& argv) {
    if (argv.size() > 1) {
        if (argv[1] == "--forklab-spawn-child") return Role::SpawnChild;
        if (argv[1] == "--forklab-forkserver") return Role::Forkserver;
        if (argv[1] == "--forklab-tracker") return Role::Tracker;
    }
    switch (recogniseCPythonLaunch(exe, argv).kind) {
    case CPythonLaunchKind::Forkserver:
        return Role::Forkserver;
    case CPythonLaunchKind::ResourceTracker:
        return Role::Tracker;
    case CPythonLaunchKind::SpawnChild:
        return Role::SpawnChild;
    case CPythonLaunchKind::None:
        break;
    }
    return Role::Program;
}

} // namespace forklab
