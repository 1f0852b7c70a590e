#include "Roles.hpp"

namespace forklab {

const char* toString(Role r) {
    switch (r) {
    case Role::Sandbox:
        return "sandbox";
    case Role::Program:
        return "program";
    case Role::SpawnChild:
        return "spawn-child";
    case Role::Forkserver:
        return "forkserver";
    case Role::Tracker:
        return "resource-tracker";
    case Role::ForkserverChild:
        return "forkserver-child";
    }
    return "?";
}

std::string roleTag(Role r) {
    if (r == Role::Program) return {};
    return std::string("[") + toString(r) + "] ";
}

const char* roleMeaning(Role r) {
    switch (r) {
    case Role::Sandbox:
        return "forklab's own launcher and reaper: not part of the observed program";
    case Role::Program:
        return "a process of the observed program";
    case Role::SpawnChild:
        return "started by spawn: a fresh interpreter (fork or posix_spawn, then exec) that "
               "runs one target";
    case Role::Forkserver:
        return "a fork server: started once, it forks the children on request";
    case Role::Tracker:
        return "the resource tracker: unlinks named semaphores its clients leave behind";
    case Role::ForkserverChild:
        return "forked by the fork server, so it is the server's child, not the caller's";
    }
    return "";
}

Role roleAtFork(Role parent) {
    return parent == Role::Forkserver ? Role::ForkserverChild : Role::Program;
}

} // namespace forklab
