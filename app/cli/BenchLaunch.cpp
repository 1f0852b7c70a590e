// `forklab bench launch`: launch-to-exit latency per start method, for forklab's runtime
// (untraced and under the recorder), beside the OS floor and CPython's multiprocessing, all
// measured in the same run.
#include "BenchLaunch.hpp"
#include "core/base/CaptureStdout.hpp"

#include "core/lessons/Catalogue.hpp"
#include "core/sandbox/Sandbox.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

namespace forklab::cli {
namespace {

struct Latency {
    double median = -1, p90 = -1;
    bool ok() const { return median > 0; }
};

Latency parse(const std::string& out) {
    Latency l;
    if (sscanf(out.c_str(), "%lf %lf", &l.median, &l.p90) != 2) return {};
    return l;
}

Latency traced(const std::vector<std::string>& argv) {
    SandboxOptions o;
    o.argv = argv;
    o.deadlineMs = 600'000;
    Trace trace;
    runSandbox(o, trace);
    for (size_t i = 0; i < trace.size(); ++i)
        if (auto* out = trace[i].get<ev::Output>()) return parse(std::string(trace.str(out->text)));
    return {};
}

const char* kPythonBench = R"(import multiprocessing as mp, sys, time
def noop():
    pass
if __name__ == '__main__':
    ctx = mp.get_context(sys.argv[1])
    n = int(sys.argv[2])
    p = ctx.Process(target=noop); p.start(); p.join()   # warm-up: tracker / server start
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        p = ctx.Process(target=noop); p.start(); p.join()
        ts.append((time.perf_counter() - t0) * 1e6)
    ts.sort()
    print('%.1f %.1f' % (ts[len(ts) // 2], ts[min(len(ts) - 1, len(ts) * 9 // 10)]))
)";

} // namespace

int benchLaunch(int n, int pythonN, const std::string& jsonPath) {
    const std::string lessons = lessonsProgram();
    auto cmd = [&](const std::string& how, int count) {
        return std::vector<std::string>{lessons, "--bench-launch", how, std::to_string(count)};
    };
    std::string python = Sandbox::resolveProgram("python3");
    std::string script;
    if (!python.empty() && pythonN > 0) {
        char tmpl[] = "/tmp/forklab-bench-XXXXXX.py";
        int fd = mkstemps(tmpl, 3);
        if (fd >= 0) {
            (void)!write(fd, kPythonBench, strlen(kPythonBench));
            close(fd);
            script = tmpl;
        }
    }
    printf("forklab bench launch: start()+join() per launch, %d launches (CPython: %d), µs\n\n", n,
           pythonN);
    printf("%-11s %-22s %10s %10s %9s\n", "method", "contender", "median", "p90", "vs floor");
    nlohmann::json report = nlohmann::json::object();
    Latency forkFloor = parse(captureStdout(cmd("floor-fork", n)));
    Latency spawnFloor = parse(captureStdout(cmd("floor-spawn", n)));
    for (StartMethod m : kAllMethods) {
        const char* name = toString(m);
        bool isSpawn = m == StartMethod::Spawn;
        Latency floor = isSpawn ? spawnFloor : forkFloor;
        Latency untraced = parse(captureStdout(cmd(name, n)));
        Latency underRecorder = traced(cmd(name, n));
        Latency cpython;
        if (!script.empty())
            cpython = parse(captureStdout({python, script, name, std::to_string(pythonN)}));
        auto row = [&](const char* who, const Latency& l) {
            if (!l.ok()) {
                printf("%-11s %-22s %10s\n", name, who, "n/a");
                return;
            }
            printf("%-11s %-22s %10.1f %10.1f %8.2fx\n", name, who, l.median, l.p90,
                   l.median / floor.median);
        };
        row(isSpawn ? "floor: posix_spawn+exec" : "floor: fork+_exit", floor);
        row("forklab", untraced);
        row("forklab, traced", underRecorder);
        row("CPython multiprocessing", cpython);
        if (cpython.ok() && untraced.ok())
            printf("%-11s forklab is %.0fx faster than CPython's %s\n", "",
                   cpython.median / untraced.median, name);
        printf("\n");
        auto j = [](const Latency& l) {
            return l.ok() ? nlohmann::json{{"median_us", l.median}, {"p90_us", l.p90}}
                          : nlohmann::json(nullptr);
        };
        report[name] = {{"floor", j(floor)},
                        {"forklab", j(untraced)},
                        {"forklab_traced", j(underRecorder)},
                        {"cpython", j(cpython)}};
    }
    if (!script.empty()) unlink(script.c_str());
    if (python.empty()) printf("(python3 not found: CPython not measured)\n");
    printf("floors: fork = fork()+_exit()+waitpid(); spawn = posix_spawn() of the same lessons "
           "binary, which exits at once, + waitpid().\n");
    if (!jsonPath.empty()) {
        std::ofstream(jsonPath) << report.dump(2) << '\n';
        printf("wrote %s\n", jsonPath.c_str());
    }
    return 0;
}

} // namespace forklab::cli
