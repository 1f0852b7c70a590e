#pragma once
// The process tree at one step as a Graphviz digraph, for slides: `dot -Tsvg tree.dot`.
// One node "pPID" per process of the World at that step, labelled with its pid (and pid inside
// the sandbox), name, argv, role, how it started and its state; filled by how it started
// (fork, vfork/posix_spawn, spawn child, forkserver, tracker, sandbox: colour-blind safe tints);
// exited processes dashed; a deadlocked process red and bold whatever else holds. One edge per
// parent -> child, labelled fork or vfork.
#include "Trace.hpp"
#include "World.hpp"

#include <optional>
#include <ostream>
#include <string>

namespace forklab {

// What `--step N|key|first|last` shows: the world's end (World::at(trace, upto)) and a title.
struct DotStep {
    size_t upto = 0;
    std::string title; // "step 3 of 5: the child locks log_lock"
};
// nullopt with *error set when the spec does not name a step of this trace.
std::optional<DotStep> resolveDotStep(const Trace& trace, const std::string& spec,
                                      std::string* error);

void writeDot(const Trace& trace, const World& world, const std::string& title, std::ostream& out);

} // namespace forklab
