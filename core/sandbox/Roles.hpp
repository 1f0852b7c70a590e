#pragma once
// Which part a process plays, recognised from the command line the recorder read at its exec:
// forklab's lesson runtime (--forklab-spawn-child / --forklab-forkserver / --forklab-tracker)
// and CPython's multiprocessing (spawn_main ... --multiprocessing-fork, forkserver main,
// resource_tracker / semaphore_tracker main).
#include "core/trace/Event.hpp"

#include <string>
#include <vector>

namespace forklab {

Role roleFromCommandLine(const std::vector<std::string>& argv);

} // namespace forklab
