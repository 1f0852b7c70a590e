#pragma once
// The one vocabulary of roles: the word every view uses for the part a process plays (the story,
// the GUI, the JSONL trace, the Chrome and DOT exports), and what it means. toString(Role) is
// the word (also the trace file's value); nothing else names a role.
#include "Event.hpp"

#include <string>

namespace forklab {

// "[forkserver-child] " before a process's name, or "" for the program's ordinary processes.
std::string roleTag(Role);

// One sentence: what a process in this role is.
const char* roleMeaning(Role);

// A forked process's role from its parent's: a forkserver's children are its workers; every
// other fork is the program (the other roles are recognised at exec).
Role roleAtFork(Role parent);

} // namespace forklab
