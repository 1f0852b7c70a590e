#pragma once
// `forklab bench programs`: real workloads shipped in bench/ (a C project built with make -j2,
// 2,000 x /bin/true from sh, seq | awk, a Python Pool per start method), each run untraced, under
// `forklab trace -q` and under `strace -f --seccomp-bpf`, interleaved, several rounds.
#include <string>

namespace forklab::cli {

struct ProgramsBenchOptions {
    int rounds = 3;
    bool quick = false; // smaller workloads: proves each runs and cleans up, measures nothing
    std::string json;
};

int benchPrograms(const ProgramsBenchOptions& o);

// The shipped workloads: $FORKLAB_BENCH_DIR, else the source tree's bench/.
std::string benchDir();

} // namespace forklab::cli
