#pragma once
// A large, plausible trace made without running anything, for benchmarks of the readers (the
// GUI frame, exporters): a sandbox root, a process tree that grows and dies over time with
// forks, execs, threads, outputs, probe snapshots, markers, a deadlock and a leaked semaphore.
#include "Trace.hpp"

#include <cstdint>

namespace forklab {

struct SyntheticTraceSpec {
    int processes = 1000;    // program processes (besides the sandbox's own)
    size_t events = 1000000; // total events, approximately (never fewer)
    uint32_t seed = 1;
};

void makeSyntheticTrace(Trace& trace, const SyntheticTraceSpec& spec);

} // namespace forklab
