// `forklab bench launch`: launch-to-exit latency per start method, for forklab's runtime
// (untraced and under the recorder), beside the OS floor and CPython's multiprocessing, all
// measured in the same run.
#include "BenchLaunch.hpp"
#include "core/base/CaptureStdout.hpp"

#include "core/lessons/Catalogue.hpp"
#include "core/lessons/Python.hpp"
#include "core/sandbox/Sandbox.hpp"

#include <algorithm>
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

Latency middle(std::vector<Latency> rounds) {
    std::sort(rounds.begin(), rounds.end(),
              [](const Latency& a, const Latency& b) { return a.median < b.median; });
    return rounds[rounds.size() / 2];
}

Latency traced(const std::vector<std::string>& argv, bool isolate = false) {
    SandboxOptions o;
    o.argv = argv;
    o.isolate = isolate;
    o.deadlineMs = 600'000;
    Trace trace;
    runSandbox(o, trace);
    for (size_t i = 0; i < trace.size(); ++i)
        if (auto* out = trace[i].get<ev::Output>()) return parse(std::string(trace.str(out->text)));
    return {};
}

} // namespace

int benchLaunch(int n, int pythonN, const std::string& jsonPath) {
    const std::string lessons = lessonsProgram();
    auto cmd = [&](const std::string& how, int count) {
        return std::vector<std::string>{lessons, "--bench-launch", how, std::to_string(count)};
    };
    std::string whyNoPython;
    const PythonInterpreter* py = pythonN > 0 ? lessonPython(&whyNoPython) : nullptr;
    const std::string script = pythonLessonsDir() + "/bench_launches.py";
    auto pyCmd = [&](const char* method) {
        return std::vector<std::string>{py->path, "-B", script, method, std::to_string(pythonN)};
    };
    printf("forklab bench launch: start()+join() per launch, %d launches (CPython: %d), µs\n", n,
           pythonN);
    if (py)
        printf("CPython %s: %s (untraced and traced alternate, 3 rounds, middle round)\n",
               py->version.c_str(), py->path.c_str());
    printf("\n");
    printf("%-11s %-22s %10s %10s %9s\n", "method", "contender", "median", "p90", "vs floor");
    nlohmann::json report = nlohmann::json::object();
    Latency forkFloor = parse(captureStdout(cmd("floor-fork", n)));
    Latency spawnFloor = parse(captureStdout(cmd("floor-spawn", n)));
    for (StartMethod m : kAllMethods) {
        const char* name = toString(m);
        bool isSpawn = m == StartMethod::Spawn;
        Latency floor = isSpawn ? spawnFloor : forkFloor;
        Latency untraced = parse(captureStdout(cmd(name, n)));
        // Plain and isolated alternate for three rounds, so load is shared between them.
        std::vector<Latency> plainRounds, isolatedRounds;
        for (int round = 0; round < 3; ++round) {
            plainRounds.push_back(traced(cmd(name, n)));
            isolatedRounds.push_back(traced(cmd(name, n), true));
        }
        Latency underRecorder = middle(plainRounds);
        Latency isolated = middle(isolatedRounds);
        // CPython runs for seconds: on a shared machine one slow moment skews one run, so
        // untraced and traced alternate for three rounds and the middle round counts.
        Latency cpython, cpythonTraced;
        if (py) {
            std::vector<Latency> plain, recorded;
            for (int round = 0; round < 3; ++round) {
                plain.push_back(parse(captureStdout(pyCmd(name))));
                recorded.push_back(traced(pyCmd(name)));
            }
            cpython = middle(plain);
            cpythonTraced = middle(recorded);
        }
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
        row("forklab, traced+isolate", isolated);
        row("CPython multiprocessing", cpython);
        row("CPython, traced", cpythonTraced);
        if (isolated.ok() && underRecorder.ok())
            printf("%-11s isolation (--isolate, as lessons run) costs %.3fx per launch\n", "",
                   isolated.median / underRecorder.median);
        if (cpython.ok() && untraced.ok())
            printf("%-11s forklab is %.0fx faster than CPython's %s\n", "",
                   cpython.median / untraced.median, name);
        if (cpython.ok() && cpythonTraced.ok())
            printf("%-11s recording CPython costs %.2fx per launch (traced / untraced)\n", "",
                   cpythonTraced.median / cpython.median);
        printf("\n");
        auto j = [](const Latency& l) {
            return l.ok() ? nlohmann::json{{"median_us", l.median}, {"p90_us", l.p90}}
                          : nlohmann::json(nullptr);
        };
        report[name] = {{"floor", j(floor)},
                        {"forklab", j(untraced)},
                        {"forklab_traced", j(underRecorder)},
                        {"forklab_traced_isolated", j(isolated)},
                        {"cpython", j(cpython)},
                        {"cpython_traced", j(cpythonTraced)}};
    }
    if (pythonN > 0 && !py) printf("(CPython not measured: %s)\n", whyNoPython.c_str());
    printf("floors: fork = fork()+_exit()+waitpid(); spawn = posix_spawn() of the same lessons "
           "binary, which exits at once, + waitpid().\n");
    if (!jsonPath.empty()) {
        std::ofstream(jsonPath) << report.dump(2) << '\n';
        printf("wrote %s\n", jsonPath.c_str());
    }
    return 0;
}

} // namespace forklab::cli
