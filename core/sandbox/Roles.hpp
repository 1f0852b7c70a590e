#pragma once
// Which part a process plays, recognised from what the recorder read at its exec: forklab's
// lesson runtime (--forklab-spawn-child / --forklab-forkserver / --forklab-tracker as argv[1])
// and CPython's multiprocessing helpers, only when the executable is a CPython interpreter and
// the command line is exactly CPython's launch form (LaunchForms.hpp) — a shell line that merely
// contains the text is a program.
#include "core/trace/Event.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace forklab {

// `exe`: what the kernel ran (/proc/PID/exe), not argv[0], which the program chooses.
Role roleFromCommandLine(std::string_view exe, const std::vector<std::string>& argv);

} // namespace forklab
