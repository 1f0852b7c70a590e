#pragma once
// The facts about CPython that depend on its version, read from one recorded run of a Python
// lesson (never from what the program says about itself): how spawn's helpers were created,
// whether the parent printed 3.12's fork DeprecationWarning, whether the resource tracker's leak
// warning names the leak or only counts it, and which method started the child a lesson started
// without choosing one, and what the parent wrote into a child's data pipe. Plus what is documented
// but cannot be observed on this machine.
#include "core/trace/Trace.hpp"

#include <string>
#include <vector>

namespace forklab {

// The step the python-start-method-defaults child marks: the process that wrote it was started
// by the interpreter's default method.
inline constexpr const char* kDefaultChildStep = "the child started without a chosen method runs";

struct VersionFact {
    std::string name;  // "spawn's helpers"
    std::string value; // "vforked (resource-tracker, spawn child)"; "—" when this run cannot say
};

std::vector<VersionFact> observeVersionFacts(const Trace& trace);

// How the child `pid` was started, from the tree: "fork" (the parent's child, no exec),
// "spawn" (an exec of spawn_main), "forkserver" (the forkserver's child), or "" (none of these).
std::string startedBy(const Trace& trace, pid_t pid);

struct DocumentedFact {
    std::string name, value, source;
};
// Facts no interpreter here shows, for the table's foot: "documented, not observed".
const std::vector<DocumentedFact>& documentedVersionFacts();

} // namespace forklab
