#pragma once
// The recorder's ptrace loop. Runs on one dedicated thread from launch to teardown.
#include "Sandbox.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <sys/types.h>

namespace forklab {

// What other threads may ask of a running tracer.
struct TracerControl {
    std::atomic<bool> stopRequested{false};
    std::atomic<bool> stepRequested{false};
    std::atomic<bool> held{false};
    std::atomic<uint64_t> gates{0};  // gates entered so far: tells one hold from the next
    std::atomic<pid_t> tracerTid{0}; // for WakeTimer::poke
    std::atomic<bool> done{false};
    std::atomic<int> exitCode{-1};
    std::string launchProblem; // written before done is set
    std::mutex doneMutex;      // done is set under it and doneCv told: Sandbox::waitFor
    std::condition_variable doneCv;
};

// Runs the whole recording on the calling thread; returns forklab's exit code.
int runTracer(const SandboxOptions& options, const std::string& programPath, Trace& trace,
              TracerControl& control);

} // namespace forklab
