// libFuzzer target for the command-line recognisers (core/sandbox/LaunchForms.cpp, Roles.cpp,
// CPythonPlumbing.cpp): the input is an exec as the tracer reads it, NUL-separated — the
// executable's path, then argv. Any bytes must give a verdict without a crash, a hang or a throw,
// and the verdicts must agree: a role only with its launch form, fds of a form never negative.
// Built and run by scripts/fuzz.sh (not part of the CMake build).
#include "core/sandbox/CPythonPlumbing.hpp"
#include "core/sandbox/LaunchForms.hpp"
#include "core/sandbox/Roles.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace forklab;

namespace {

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "launch forms: %s\n", what);
    std::abort();
}

// Pipes 3..12, alternately read and write ends, and one socket: what the forms' numbers find.
ProcessSnapshot table() {
    ProcessSnapshot s;
    s.pid = 4242;
    std::vector<FdEntry> fds;
    for (int fd = 3; fd <= 12; ++fd) {
        FdEntry f;
        f.fd = fd;
        f.kind = fd == 12 ? FdKind::Socket : FdKind::Pipe;
        f.target = (fd == 12 ? "socket:[" : "pipe:[") + std::to_string(100 + fd / 2) + "]";
        f.access = fd % 2 ? AccessMode::Read : AccessMode::Write;
        fds.push_back(f);
    }
    s.fds = std::move(fds);
    return s;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t i = 0; i <= size; ++i)
        if (i == size || data[i] == 0) {
            parts.emplace_back(reinterpret_cast<const char*>(data) + start, i - start);
            start = i + 1;
        }
    const std::string exe = parts.front();
    const std::vector<std::string> argv(parts.begin() + 1, parts.end());

    const CPythonLaunch l = recogniseCPythonLaunch(exe, argv);
    const Role role = roleFromCommandLine(exe, argv);
    if (l.kind != CPythonLaunchKind::None) {
        if (!isCPythonExecutable(exe)) fail("a launch form from an executable that is not CPython");
        if (l.fds[0] < 0) fail("a negative fd");
        if (l.kind != CPythonLaunchKind::ResourceTracker && l.fds[1] < 0) fail("a negative fd");
    }
    const bool forklabFlag = argv.size() > 1 && argv[1].rfind("--forklab-", 0) == 0;
    if (!forklabFlag) {
        const Role expected = l.kind == CPythonLaunchKind::Forkserver        ? Role::Forkserver
                              : l.kind == CPythonLaunchKind::ResourceTracker ? Role::Tracker
                              : l.kind == CPythonLaunchKind::SpawnChild      ? Role::SpawnChild
                                                                             : Role::Program;
        if (role != expected) fail("the role disagrees with the launch form");
    }

    // The plumbing reads the same forms and names fds in the table they point at.
    static const ProcessSnapshot after = table();
    CPythonPlumbing p;
    p.learnExec(after.pid, exe, argv, after);
    p.learnFork(after.pid, after.pid + 1, after);
    p.learnLater(after.pid + 1, after);
    for (auto& n : p.namesFor(after.pid, after))
        if (!after.findFd(n.fd) || n.label.empty()) fail("a name for an fd the table lacks");
    return 0;
}
