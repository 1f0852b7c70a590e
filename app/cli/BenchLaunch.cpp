// `forklab bench launch`: launch-to-exit latency per start method, for forklab's runtime
// (untraced and under the recorder), beside the OS floor and CPython's multiprocessing, all
// measured in the same run; the floors and forklab's untraced runs in the same rounds.
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
#include <map>
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

double medianOf(std::vector<double> v) {
    if (v.empty()) return -1;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// One contender over several rounds: the median of the rounds' medians, and their range.
struct Series {
    std::vector<Latency> rounds;
    bool ok() const {
        return !rounds.empty() &&
               std::all_of(rounds.begin(), rounds.end(), [](const Latency& l) { return l.ok(); });
    }
    std::vector<double> medians() const {
        std::vector<double> v;
        for (auto& l : rounds) v.push_back(l.median);
        return v;
    }
    Latency middle() const {
        if (!ok()) return {};
        std::vector<double> p90;
        for (auto& l : rounds) p90.push_back(l.p90);
        return {medianOf(medians()), medianOf(p90)};
    }
    double lo() const { return std::min_element(rounds.begin(), rounds.end(), byMedian)->median; }
    double hi() const { return std::max_element(rounds.begin(), rounds.end(), byMedian)->median; }
    static bool byMedian(const Latency& a, const Latency& b) { return a.median < b.median; }
};

// Ratios to a floor measured in the same rounds: each round's ratio, then their median and range.
struct Ratio {
    double median = -1, lo = -1, hi = -1;
};
Ratio ratioTo(const Series& s, const Series& floor) {
    if (!s.ok() || !floor.ok() || s.rounds.size() != floor.rounds.size()) return {};
    std::vector<double> r;
    for (size_t i = 0; i < s.rounds.size(); ++i)
        r.push_back(s.rounds[i].median / floor.rounds[i].median);
    return {medianOf(r), *std::min_element(r.begin(), r.end()),
            *std::max_element(r.begin(), r.end())};
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

int benchLaunch(int n, int pythonN, int rounds, const std::string& jsonPath) {
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
    printf("floors and forklab untraced: %d interleaved rounds (floor, fork, forkserver, spawn "
           "floor, spawn), median of the rounds [their range]; each ratio is to the floor of the "
           "same round\n",
           rounds);
    if (py)
        printf("CPython %s: %s (untraced and traced alternate, 3 rounds, middle round)\n",
               py->version.c_str(), py->path.c_str());
    printf("\n");
    // The floors and forklab's untraced launches alternate within every round, so a load that
    // comes and goes (a shared machine) falls on all of them, not on one measured alone.
    const std::vector<std::string> order = {"floor-fork", "fork", "forkserver", "floor-spawn",
                                            "spawn"};
    std::map<std::string, Series> untraced;
    for (int round = 0; round < rounds; ++round)
        for (auto& how : order) untraced[how].rounds.push_back(parse(captureStdout(cmd(how, n))));
    printf("%-11s %-24s %9s %17s %9s %9s %13s\n", "method", "contender", "median", "[range]", "p90",
           "vs floor", "[range]");
    nlohmann::json report = nlohmann::json::object();
    report["rounds"] = rounds;
    for (StartMethod m : kAllMethods) {
        const char* name = toString(m);
        bool isSpawn = m == StartMethod::Spawn;
        const Series& floor = untraced[isSpawn ? "floor-spawn" : "floor-fork"];
        const Series& forklab = untraced[name];
        // Plain and isolated alternate for three rounds, so load is shared between them.
        Series plain, isolated;
        for (int round = 0; round < 3; ++round) {
            plain.rounds.push_back(traced(cmd(name, n)));
            isolated.rounds.push_back(traced(cmd(name, n), true));
        }
        // CPython runs for seconds: on a shared machine one slow moment skews one run, so
        // untraced and traced alternate for three rounds and the middle round counts.
        Series cpython, cpythonTraced;
        if (py)
            for (int round = 0; round < 3; ++round) {
                cpython.rounds.push_back(parse(captureStdout(pyCmd(name))));
                cpythonTraced.rounds.push_back(traced(pyCmd(name)));
            }
        const Latency floorMid = floor.middle();
        auto row = [&](const char* who, const Series& s, bool sameRounds) {
            const Latency l = s.middle();
            if (!l.ok()) {
                printf("%-11s %-24s %9s\n", name, who, "n/a");
                return;
            }
            char range[64], ratio[64] = "";
            snprintf(range, sizeof range, "[%.1f-%.1f]", s.lo(), s.hi());
            Ratio r = sameRounds ? ratioTo(s, floor) : Ratio{};
            if (r.median > 0)
                snprintf(ratio, sizeof ratio, "%8.2fx [%.2f-%.2f]", r.median, r.lo, r.hi);
            else if (floorMid.ok())
                snprintf(ratio, sizeof ratio, "%8.2fx", l.median / floorMid.median);
            printf("%-11s %-24s %9.1f %17s %9.1f %s\n", name, who, l.median, range, l.p90, ratio);
        };
        row(isSpawn ? "floor: posix_spawn+exec" : "floor: fork+_exit", floor, true);
        row("forklab", forklab, true);
        row("forklab, traced", plain, false);
        row("forklab, traced+isolate", isolated, false);
        row("CPython multiprocessing", cpython, false);
        row("CPython, traced", cpythonTraced, false);
        const Latency plainMid = plain.middle(), isolatedMid = isolated.middle();
        const Latency forklabMid = forklab.middle(), cpythonMid = cpython.middle();
        const Latency cpythonTracedMid = cpythonTraced.middle();
        if (isolatedMid.ok() && plainMid.ok())
            printf("%-11s isolation (--isolate, as lessons run) costs %.3fx per launch\n", "",
                   isolatedMid.median / plainMid.median);
        if (cpythonMid.ok() && forklabMid.ok())
            printf("%-11s forklab is %.0fx faster than CPython's %s\n", "",
                   cpythonMid.median / forklabMid.median, name);
        if (cpythonMid.ok() && cpythonTracedMid.ok())
            printf("%-11s recording CPython costs %.2fx per launch (traced / untraced)\n", "",
                   cpythonTracedMid.median / cpythonMid.median);
        printf("\n");
        auto j = [](const Series& s) {
            const Latency l = s.middle();
            return l.ok() ? nlohmann::json{{"median_us", l.median},
                                           {"p90_us", l.p90},
                                           {"range_us", {s.lo(), s.hi()}}}
                          : nlohmann::json(nullptr);
        };
        const Ratio r = ratioTo(forklab, floor);
        report[name] = {{"floor", j(floor)},
                        {"forklab", j(forklab)},
                        {"forklab_vs_floor", r.median > 0 ? nlohmann::json{{"median", r.median},
                                                                           {"range", {r.lo, r.hi}}}
                                                          : nlohmann::json(nullptr)},
                        {"forklab_traced", j(plain)},
                        {"forklab_traced_isolated", j(isolated)},
                        {"cpython", j(cpython)},
                        {"cpython_traced", j(cpythonTraced)}};
    }
    if (pythonN > 0 && !py) printf("(CPython not measured: %s)\n", whyNoPython.c_str());
    // The fork floor's child runs no dynamic linker: the lessons binary is linked with
    // -z now (scenarios/CMakeLists.txt), so _exit is bound at load time, not lazily in each
    // child (that binding cost every floor child ~20 µs, as it did every forkserver child).
    printf("floors: fork = fork()+_exit()+waitpid(); spawn = posix_spawn() of the same lessons "
           "binary, which exits at once, + waitpid().\n");
    if (!jsonPath.empty()) {
        std::ofstream(jsonPath) << report.dump(2) << '\n';
        printf("wrote %s\n", jsonPath.c_str());
    }
    return 0;
}

} // namespace forklab::cli
