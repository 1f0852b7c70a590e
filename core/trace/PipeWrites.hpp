#pragma once
// What each process wrote into each pipe the recorder watched (pipe_write events), joined in
// order: one entry per (writer, pipe). The bytes are the kept ones (the run's cap may keep
// fewer than were written: `length` says how many were).
#include "Trace.hpp"

#include <string>
#include <vector>

namespace forklab {

struct PipeData {
    pid_t pid = 0;
    int fd = -1;
    std::string target; // "pipe:[123]"
    std::string bytes;  // kept
    uint64_t length = 0;
    int writes = 0;
    int64_t firstT = 0;
};

// Up to event index `upto` (all of them by default). Scans the trace.
std::vector<PipeData> pipeWrites(const Trace& t, size_t upto = SIZE_MAX);
// The same, from the pipe_write event indices (TraceIndex::pipeWrites(), in order): what a
// frame calls, since it must not scan the trace.
std::vector<PipeData> pipeWrites(const Trace& t, const std::vector<size_t>& events,
                                 size_t upto = SIZE_MAX);

// What the kernel ran for `pid` at its last exec before event `upto` (/proc/PID/exe), or "".
std::string execedExe(const Trace& t, pid_t pid, size_t upto = SIZE_MAX);

// "80 04 95 62 02 …": the first `n` bytes, spaced.
std::string hexHead(std::string_view bytes, size_t n = 16);

} // namespace forklab
