#pragma once
#include "core/sandbox/Sandbox.hpp"

#include <ostream>

namespace forklab::cli {

// Runs the sandbox and prints its story while it records; Ctrl-C tears the run down cleanly.
// Returns forklab's exit code; throws LaunchError if the program cannot be started.
int tellRun(const SandboxOptions& options, Trace& trace, std::ostream& out, bool quiet);

} // namespace forklab::cli
