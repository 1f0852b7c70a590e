#pragma once
// The fds forklab set up for the program: between the launcher's fork and the first exec, the
// launcher (forklab's code, not the program's) points stdio where the run wants it (/dev/null
// under --quiet-program) and closes its own. The table right after that first exec is what
// forklab handed over; no program code has run yet.
#include "Trace.hpp"

namespace forklab {

// The snapshot taken right after the first exec of the run's first process `root`, or kNoSnap
// (not recorded, or no exec). Scans from the start: that exec is among the first events.
SnapId forklabSetUpTable(const Trace& trace, pid_t root);

} // namespace forklab
