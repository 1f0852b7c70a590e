// `forklab bench programs`: what tracing costs a real program, beside strace, measured in one run.
// Each round runs every workload once per contender (untraced, forklab, strace), the contenders'
// order rotating from round to round, so a slow minute on a shared machine falls on all of them.
#include "BenchPrograms.hpp"

#include "core/base/Clock.hpp"
#include "core/lessons/Python.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <ftw.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace forklab::cli {
namespace {

std::string selfExe() {
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, size_t(n)) : "forklab";
}

struct Outcome {
    double seconds = -1;
    int status = -1; // exit code, 128+N if killed by signal N
};

// Runs argv in cwd with stdin, stdout and stderr on /dev/null and waits for it: the wall-clock
// time from fork to reaping, which includes the tracer's start-up and teardown when there is one.
Outcome runTimed(const std::vector<std::string>& argv, const std::string& cwd) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    int64_t t0 = monotonicNs();
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null < 0 || (!cwd.empty() && chdir(cwd.c_str()) != 0)) _exit(126);
        dup2(null, 0), dup2(null, 1), dup2(null, 2);
        execvp(args[0], args.data());
        _exit(127);
    }
    Outcome o;
    if (pid < 0) return o;
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    o.seconds = double(monotonicNs() - t0) / 1e9;
    o.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return o;
}

struct Stats {
    double median = -1, min = -1, max = -1;
};

Stats statsOf(std::vector<double> v) {
    if (v.empty()) return {};
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    double mid = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return {mid, v.front(), v.back()};
}

struct Workload {
    Workload(std::string n, std::vector<std::string> a) : name(std::move(n)), argv(std::move(a)) {}
    std::string name;
    std::vector<std::string> argv;
    bool make = false; // the C project: cleaned before every run
    std::vector<double> times[3];
    int failures[3] = {0, 0, 0};
    std::string skipped;
};

enum Contender { Untraced, Forklab, Strace };
const char* const kContender[] = {"untraced", "forklab", "strace"};

// strace with --seccomp-bpf stops only at the syscalls it traces, as forklab's filter does, and
// only with `-e trace=`: without one it traces every syscall (and says the filter is useless).
std::string straceUnavailable() {
    if (system("command -v strace >/dev/null 2>&1") != 0) return "strace is not installed";
    if (system("strace -f --seccomp-bpf -e trace=process -qq -o /dev/null /bin/true >/dev/null "
               "2>&1") != 0)
        return "this strace has no working --seccomp-bpf (strace >= 5.3 and seccomp needed)";
    return {};
}

int removeEntry(const char* path, const struct stat*, int, struct FTW*) {
    return remove(path);
}

} // namespace

std::string benchDir() {
    if (const char* env = getenv("FORKLAB_BENCH_DIR"); env && *env) return env;
    return FORKLAB_SOURCE_BENCH;
}

int benchPrograms(const ProgramsBenchOptions& o) {
    const std::string dir = benchDir(), self = selfExe();
    const std::string makefile = dir + "/cproject/Makefile", src = dir + "/cproject";
    if (access(makefile.c_str(), R_OK) != 0) {
        fprintf(stderr, "forklab bench programs: no workloads at %s (set FORKLAB_BENCH_DIR)\n",
                dir.c_str());
        return 1;
    }
    // The C project builds out of tree, in a private directory removed at the end.
    const char* tmpdir = getenv("TMPDIR");
    std::string tmpl = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/forklab-bench-XXXXXX";
    if (!mkdtemp(tmpl.data())) {
        perror("forklab bench programs: mkdtemp");
        return 1;
    }
    const std::string build = tmpl;
    const std::vector<std::string> makeArgs = {"make", "-s", "-f", makefile, "SRC=" + src};

    const int trues = o.quick ? 20 : 2000;
    const int seqN = o.quick ? 1000 : 1000000;
    const int pools = o.quick ? 1 : 3;
    std::vector<Workload> w;
    {
        Workload m{"make -j2 (C project, 6 files)", makeArgs};
        m.argv.insert(m.argv.begin() + 1, "-j2");
        m.make = true;
        w.push_back(m);
    }
    w.push_back(
        {std::to_string(trues) + " x /bin/true from sh",
         {"sh", "-c",
          "i=0; while [ $i -lt " + std::to_string(trues) + " ]; do /bin/true; i=$((i+1)); done"}});
    w.push_back({"seq " + std::to_string(seqN) + " | awk (sum)",
                 {"sh", "-c", "seq " + std::to_string(seqN) + " | awk '{s+=$1} END {print s}'"}});
    std::string whyNoPython;
    const PythonInterpreter* py = lessonPython(&whyNoPython);
    for (const char* method : {"fork", "spawn", "forkserver"}) {
        Workload p{"Python Pool(2) x " + std::to_string(pools) + ", " + method, {}};
        if (py)
            p.argv = {py->path, "-B", dir + "/python/pool.py", method, std::to_string(pools)};
        else
            p.skipped = "no CPython: " + whyNoPython;
        w.push_back(p);
    }
    const std::string noStrace = straceUnavailable();

    printf("forklab bench programs: %d round%s, contenders interleaved (order rotates per round); "
           "wall-clock seconds per run, median (fastest - slowest)\n",
           o.rounds, o.rounds == 1 ? "" : "s");
    if (py) printf("CPython %s: %s\n", py->version.c_str(), py->path.c_str());
    printf("forklab = `forklab trace -q`; strace = `strace -f --seccomp-bpf -e trace=process -o "
           "/dev/null`%s\n\n",
           noStrace.empty() ? "" : (" (not measured: " + noStrace + ")").c_str());
    fflush(stdout);

    for (int round = 0; round < o.rounds; ++round)
        for (auto& wl : w) {
            if (!wl.skipped.empty()) continue;
            for (int k = 0; k < 3; ++k) {
                auto c = Contender((k + round) % 3);
                if (c == Strace && !noStrace.empty()) continue;
                if (wl.make) {
                    auto clean = makeArgs;
                    clean.push_back("clean");
                    runTimed(clean, build);
                }
                std::vector<std::string> argv;
                if (c == Forklab) argv = {self, "trace", "-q", "--"};
                if (c == Strace)
                    argv = {"strace", "-f", "--seccomp-bpf", "-e", "trace=process",
                            "-qq",    "-o", "/dev/null",     "--"};
                argv.insert(argv.end(), wl.argv.begin(), wl.argv.end());
                Outcome out = runTimed(argv, wl.make ? build : "");
                if (out.status != 0)
                    ++wl.failures[c];
                else
                    wl.times[c].push_back(out.seconds);
            }
        }

    // The build output goes, then the directory: nothing of the run stays in /tmp.
    auto clean = makeArgs;
    clean.push_back("clean");
    runTimed(clean, build);
    nftw(build.c_str(), removeEntry, 16, FTW_DEPTH | FTW_PHYS);

    printf("%-34s %-22s %-30s %-22s %8s\n", "workload", "untraced", "forklab (vs untraced)",
           "strace (vs untraced)", "forklab/strace");
    nlohmann::json report = nlohmann::json::object();
    int failed = 0;
    auto cell = [](const Stats& s) {
        char buf[64];
        if (s.median < 0) return std::string("n/a");
        snprintf(buf, sizeof buf, "%.3f (%.3f-%.3f)", s.median, s.min, s.max);
        return std::string(buf);
    };
    for (auto& wl : w) {
        if (!wl.skipped.empty()) {
            printf("%-34s skipped: %s\n", wl.name.c_str(), wl.skipped.c_str());
            report[wl.name] = {{"skipped", wl.skipped}};
            continue;
        }
        Stats s[3];
        for (int c = 0; c < 3; ++c) s[c] = statsOf(wl.times[c]);
        auto ratio = [](const Stats& a, const Stats& b) {
            return a.median > 0 && b.median > 0 ? a.median / b.median : -1;
        };
        double fu = ratio(s[Forklab], s[Untraced]), su = ratio(s[Strace], s[Untraced]),
               fs = ratio(s[Forklab], s[Strace]);
        char fcol[64], scol[64], fsCol[16] = "n/a";
        snprintf(fcol, sizeof fcol, "%s %.2fx", cell(s[Forklab]).c_str(), fu);
        snprintf(scol, sizeof scol, "%s %.2fx", cell(s[Strace]).c_str(), su);
        if (fs > 0) snprintf(fsCol, sizeof fsCol, "%.2fx", fs);
        printf("%-34s %-22s %-30s %-22s %8s\n", wl.name.c_str(), cell(s[Untraced]).c_str(), fcol,
               s[Strace].median > 0 ? scol : "n/a", fsCol);
        nlohmann::json j = {{"argv", wl.argv}};
        for (int c = 0; c < 3; ++c) {
            if (c == Strace && !noStrace.empty()) {
                j[kContender[c]] = {{"skipped", noStrace}};
                continue;
            }
            j[kContender[c]] = {{"runs_s", wl.times[c]},
                                {"failed_runs", wl.failures[c]},
                                {"median_s", s[c].median},
                                {"min_s", s[c].min},
                                {"max_s", s[c].max}};
            if (wl.failures[c]) {
                printf("%-34s %d %s run(s) did not exit 0 (not counted)\n", "", wl.failures[c],
                       kContender[c]);
                ++failed;
            }
        }
        auto num = [](double r) { return r > 0 ? nlohmann::json(r) : nlohmann::json(nullptr); };
        j["forklab_vs_untraced"] = num(fu);
        j["strace_vs_untraced"] = num(su);
        j["forklab_vs_strace"] = num(fs);
        report[wl.name] = j;
    }
    printf("\nEach run is timed from fork to reaping: the tracer's own start-up and teardown are "
           "included. The C project is cleaned (untimed) before every build.\n");
    if (!o.json.empty()) {
        nlohmann::json top = {{"rounds", o.rounds}, {"quick", o.quick}, {"workloads", report}};
        if (!noStrace.empty()) top["strace_skipped"] = noStrace;
        std::ofstream(o.json) << top.dump(2) << '\n';
        printf("wrote %s\n", o.json.c_str());
    }
    return failed ? 1 : 0;
}

} // namespace forklab::cli
