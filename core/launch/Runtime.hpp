#pragma once
// The runtime a lesson program links. A lesson program is one executable playing several parts,
// as CPython's interpreter does: the lesson itself, a spawn child (the program re-executed in
// child mode, reading its target from a pipe), the forkserver, and the semaphore tracker.
#include <string>
#include <string_view>
#include <vector>

namespace forklab::launch {

using Args = std::vector<std::string>;
using TargetFn = int (*)(const Args&); // what a child runs; returns its exit code

// Targets are found by name in a child, the analogue of pickling a function by reference.
void registerTarget(const std::string& name, TargetFn fn);
int runTarget(std::string_view name, const Args& args);

struct TargetRegistrar {
    TargetRegistrar(const char* name, TargetFn fn) { registerTarget(name, fn); }
};
#define FORKLAB_TARGET(name, fn) static ::forklab::launch::TargetRegistrar fn##_target(name, fn)

// Call first in main(). If argv asks for a helper part (spawn child, forkserver, tracker), plays
// it and returns its exit code; returns -1 when this process is the lesson itself.
int dispatchHelperModes(int argc, char** argv);

// The executable's own path (what spawn re-executes).
const std::string& selfExe();

// --- the child's view (set in every child, whatever the method) ---
// The write end of the tracker pipe this process holds, or -1.
int trackerFd();
void setTrackerFd(int fd);

// Args may name fds passed with Process::passFd as "{fd0}", "{fd1}"...: each child sees them
// under its own numbers (the same under fork and spawn, new ones under forkserver).
Args substituteFds(const Args& args, const std::vector<int>& fds);

// Serialised target + args: the "pickle" sent through the data pipe.
std::string encodeCall(const std::string& target, const Args& args);
// A decoded call, pointing into the encoded bytes. Bounded: false if malformed.
struct CallView {
    std::string_view target;
    std::vector<std::string_view> args;
};
bool decodeCall(std::string_view data, CallView* call);
// A child's part: reads a whole encoded call from fd (until EOF), substitutes `fds` ("{fd0}"...)
// and runs the target. Returns its exit code, 120 if the call is malformed. A call without
// arguments runs without touching the heap.
int runCall(int fd, const std::vector<int>& fds);

// Helper-mode flags on the command line; core/sandbox recognises processes by them.
constexpr const char* kSpawnChildFlag = "--forklab-spawn-child";
constexpr const char* kForkserverFlag = "--forklab-forkserver";
constexpr const char* kTrackerFlag = "--forklab-tracker";

} // namespace forklab::launch
