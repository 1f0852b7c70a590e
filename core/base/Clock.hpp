#pragma once
#include <cstdint>
#include <ctime>

namespace forklab {

// Monotonic nanoseconds; the trace's time base (its t=0 is the run's start).
inline int64_t monotonicNs() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

} // namespace forklab
