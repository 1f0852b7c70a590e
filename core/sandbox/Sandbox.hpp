#pragma once
// Runs a command as a ptrace'd, contained process tree and records what the kernel shows into a
// Trace (DESIGN §3). The recorder is one dedicated thread: ptrace and PDEATHSIG are bound to the
// thread that attached, so it lives exactly as long as the run.
#include "core/trace/Trace.hpp"

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <vector>

namespace forklab {

// A limit the program gets instead of the one it would inherit from forklab.
struct RlimitSetting {
    int resource; // RLIMIT_*
    rlimit value;
};

struct SandboxOptions {
    std::vector<std::string> argv; // argv[0] is looked up in PATH
    // Safety net; counts running time only (not time held at a gate); 0: none.
    int deadlineMs = 60'000;
    int graceMs = 1'000;    // after the root exits, how long the rest may finish on its own
    int idleProbeMs = 100;  // quiet time before the idle probe looks for deadlocks
    int maxProcs = 256;     // tasks (processes + threads) the program may have at once
    bool namespaces = true; // try user+pid+ipc+mount namespaces (falls back if refused)
    // Read-only host filesystem, private /tmp, a network namespace with only loopback and
    // no_new_privs; needs the namespaces (the run fails rather than go without). Lessons use it.
    bool isolate = false;
    // forklab runs as root through sudo: the program still runs as root (else as SUDO_UID).
    bool asRoot = false;
    std::vector<RlimitSetting> rlimits; // else the program inherits forklab's limits
    bool stepping = false;              // hold the whole sandbox at each marker until step()
    bool inheritStdio = false; // else stdin/out/err are /dev/null: output is captured by trap
    bool snapshots = true;     // fd/thread snapshots at fork/exec/exit stops (not the probe's)
    // Bytes of output text the trace keeps per run; beyond them writes are only counted.
    uint64_t outputCap = 4 << 20;
};

// The command could not be started at all (exit code 127: not found, 126: not executable).
class LaunchError : public std::runtime_error {
  public:
    LaunchError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
    int exitCode() const { return code_; }

  private:
    int code_;
};

class Sandbox {
  public:
    Sandbox(SandboxOptions options, Trace& trace);
    Sandbox(const Sandbox&) = delete;
    ~Sandbox(); // stops the run (teardown) and joins

    // Resolves the program (throws LaunchError) and starts the recorder thread.
    void start();
    // Blocks until the run has ended; returns forklab's exit code for it (the root's status,
    // 128+N if signal N killed it).
    int wait();
    bool finished() const;
    // Waits until the run has ended or `most` has passed; true if it has ended.
    bool waitFor(std::chrono::milliseconds most);

    // Thread-safe controls.
    void stop();                   // teardown now
    void step();                   // release the current step gate
    bool held() const;             // the sandbox is stopped at a gate
    uint64_t gatesEntered() const; // changes with every new gate
    // Why the sandbox could not start the program (empty if it could); after wait().
    std::string launchProblem() const;

    // Resolve argv[0] against PATH the way execvp would; empty if not found.
    static std::string resolveProgram(const std::string& name);

  private:
    struct State;
    std::unique_ptr<State> s_;
};

// Convenience for the CLI and tests: start, wait, return the exit code.
int runSandbox(SandboxOptions options, Trace& trace);

} // namespace forklab
