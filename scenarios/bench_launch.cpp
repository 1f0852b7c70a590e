// The workload of `forklab bench launch` (not a lesson): N launches, each timed from start() to
// join(), printed as "median_us p90_us". Floors: the same loop with the OS's bare primitives.
//   forklab-lessons --bench-launch fork|spawn|forkserver|floor-fork|floor-spawn N
#include "Lesson.hpp"

#include "core/base/Clock.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace forklab::lessons {
namespace {

int noop(const launch::Args&) {
    return 0;
}
FORKLAB_TARGET("bench.noop", noop);

bool launchOnce(const std::string& how) {
    if (how == "floor-fork") { // fork + _exit + wait
        pid_t p = fork();
        if (p == 0) _exit(0);
        return p > 0 && waitpid(p, nullptr, 0) == p;
    }
    if (how == "floor-spawn") { // posix_spawn of this same binary, which exits at once
        const std::string& self = launch::selfExe();
        char* argv[] = {const_cast<char*>(self.c_str()), const_cast<char*>("--bench-noop"),
                        nullptr};
        pid_t p;
        if (posix_spawn(&p, self.c_str(), nullptr, nullptr, argv, environ) != 0) return false;
        return waitpid(p, nullptr, 0) == p;
    }
    auto m = parseStartMethod(how);
    if (!m) return false;
    launch::Process p(*m, "bench.noop");
    return p.start() && p.join().value_or(-1) == 0;
}

} // namespace

int benchLaunch(const std::string& how, int n) {
    // One launch first, untimed: the tracker and the server start here, as in CPython's warm-up.
    if (!launchOnce(how)) return 1;
    std::vector<double> us;
    for (int i = 0; i < n; ++i) {
        int64_t t0 = monotonicNs();
        if (!launchOnce(how)) return 1;
        us.push_back(double(monotonicNs() - t0) / 1000.0);
    }
    std::sort(us.begin(), us.end());
    say("%.1f %.1f", us[us.size() / 2], us[std::min(us.size() - 1, us.size() * 9 / 10)]);
    return 0;
}

} // namespace forklab::lessons
