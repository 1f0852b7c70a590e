#include "WaitStatus.hpp"

#include <cstring>

namespace forklab {

std::string signalName(int sig) {
    const char* abbrev = sigabbrev_np(sig);
    if (abbrev) return std::string("SIG") + abbrev;
    return "signal " + std::to_string(sig);
}

std::string WaitStatus::describe() const {
    if (exited()) return "exited with code " + std::to_string(exitCode());
    if (signaled())
        return "killed by " + signalName(termSignal()) + (coreDumped() ? " (core dumped)" : "");
    if (stopped()) return "stopped by " + signalName(stopSignal() & 0x7f);
    return "status " + std::to_string(raw_);
}

} // namespace forklab
