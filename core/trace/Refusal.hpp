#pragma once
// A clone the kernel refused because the run's task limit was reached, in words: one sentence
// for the story, the GUI and the exports alike.
#include "Event.hpp"

#include <string>

namespace forklab {

// "could not start a thread: the kernel refused the clone (EAGAIN) at the run's limit of 50
// tasks, threads counted (pids cgroup)". The actor's name goes before it.
std::string refusalText(const ev::CloneRefused&);

// "the limit of 50 tasks (--max-procs, threads counted) refused 3 clones": for summaries.
std::string refusalSummary(const ev::CloneRefused& first, int count);

} // namespace forklab
