#pragma once
// CPython's multiprocessing helpers recognised by the exact command lines CPython 3.8–3.13 writes
// for them, and only when the kernel ran a CPython interpreter (its executable, not argv[0]):
//
//   forkserver:       EXE [OPTS] -c "from multiprocessing.forkserver import main; main(L, A,
//   PRELOAD, **KW)" resource tracker: EXE [OPTS] -c "from multiprocessing.resource_tracker import
//   main;main(R)" spawn child:      EXE [OPTS] -c "from multiprocessing.spawn import spawn_main;
//   spawn_main(tracker_fd=T, pipe_handle=M)" --multiprocessing-fork
//
// (OPTS: util._args_from_interpreter_flags(); PRELOAD and KW: Python reprs of a list and a
// dict.) The argv is the observed program's text: every scan is bounded and nothing throws.
#include <string>
#include <string_view>
#include <vector>

namespace forklab {

enum class CPythonLaunchKind { None, Forkserver, ResourceTracker, SpawnChild };

struct CPythonLaunch {
    CPythonLaunchKind kind = CPythonLaunchKind::None;
    // The fds the form names: forkserver {L, A}; tracker {R, -1}; spawn child {T, M}.
    int fds[2] = {-1, -1};
};

// The executable's name is python, python3 or python3.N (N up to three digits), with at most two
// of CPython's build suffixes d, m, t (python3.13t).
bool isCPythonExecutable(std::string_view exePath);

CPythonLaunch recogniseCPythonLaunch(std::string_view exePath,
                                     const std::vector<std::string>& argv);

} // namespace forklab
