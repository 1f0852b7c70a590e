// `forklab bench`: ratios measured in the same run, never assumed.
#include "BenchLaunch.hpp"
#ifdef FORKLAB_HAVE_GUI
#include "app/gui/Gui.hpp"
#endif
#include "BenchLoop.hpp"
#include "BenchPrograms.hpp"
#include "BenchTrace.hpp"
#include "Commands.hpp"
#include "core/base/CaptureStdout.hpp"
#include "core/lessons/Python.hpp"

#include "core/base/Clock.hpp"
#include "core/sandbox/Sandbox.hpp"

#include <algorithm>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

namespace forklab::cli {
namespace {

std::string selfExe() {
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, size_t(n)) : "forklab";
}

double perIterationUs(const std::string& out) {
    long long ns = 0;
    int n = 0;
    if (sscanf(out.c_str(), "%lld %d", &ns, &n) != 2 || n <= 0) return -1;
    return double(ns) / n / 1000.0;
}

struct Traced {
    double us = -1;
    size_t events = 0;
    double seconds = 0;
};

Traced runTraced(const std::vector<std::string>& argv, bool snapshots) {
    SandboxOptions o;
    o.argv = argv;
    o.snapshots = snapshots;
    o.maxProcs = 64;
    o.deadlineMs = 600'000;
    Trace trace;
    runSandbox(o, trace);
    Traced t;
    int64_t first = -1, last = 0;
    for (size_t i = 0; i < trace.size(); ++i) {
        const Event& e = trace[i];
        if (e.kind == EventKind::Output)
            t.us = perIterationUs(std::string(trace.str(e.as<ev::Output>().text)));
        if (e.kind == EventKind::Exec && first < 0) first = e.t;
        if (e.kind == EventKind::Exit) last = e.t;
    }
    t.events = trace.size();
    t.seconds = double(last - first) / 1e9;
    return t;
}

double median(std::vector<double> v) {
    if (v.empty()) return -1;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

int benchTracer(int rounds, const std::string& jsonPath) {
    bool haveStrace = system("command -v strace >/dev/null 2>&1") == 0;
    // --seccomp-bpf: strace stops only at the syscalls it traces, as forklab's filter does.
    bool haveBpf = haveStrace && system("strace -f --seccomp-bpf -qq -e trace=process -o "
                                        "/dev/null /bin/true >/dev/null 2>&1") == 0;
    std::string self = selfExe();
    struct Loop {
        const char* name;
        const char* kind;
        int n;
    } loops[] = {{"1000 x fork+_exit+wait", "fork", 1000},
                 {"200 x fork+exec /bin/true", "exec", 200}};
    nlohmann::json report = nlohmann::json::object();
    printf("forklab bench tracer: %d rounds, interleaved; median per-iteration time\n\n", rounds);
    printf("%-28s %10s %10s %7s %10s %7s %12s %7s %10s %7s\n", "loop", "untraced", "traced",
           "ratio", "no snaps", "ratio", "strace bpf", "ratio", "strace -f", "ratio");
    for (auto& l : loops) {
        std::vector<std::string> argv = {self, "bench-loop", l.kind, std::to_string(l.n)};
        std::vector<double> plain, traced, noSnaps, strace, straceBpf;
        double eventsPerSec = 0;
        for (int r = 0; r < rounds; ++r) {
            plain.push_back(perIterationUs(captureStdout(argv)));
            Traced t = runTraced(argv, true);
            traced.push_back(t.us);
            if (t.seconds > 0) eventsPerSec = std::max(eventsPerSec, double(t.events) / t.seconds);
            noSnaps.push_back(runTraced(argv, false).us);
            for (bool bpf : {true, false}) {
                if (!(bpf ? haveBpf : haveStrace)) continue;
                std::vector<std::string> s = {"strace",        "-f", "-qq",      "-e",
                                              "trace=process", "-o", "/dev/null"};
                if (bpf) s.insert(s.begin() + 2, "--seccomp-bpf");
                s.insert(s.end(), argv.begin(), argv.end());
                (bpf ? straceBpf : strace).push_back(perIterationUs(captureStdout(s)));
            }
        }
        double u = median(plain), t = median(traced), e = median(noSnaps), s = median(strace),
               b = median(straceBpf);
        char straceCol[32] = "n/a", straceRatio[16] = "", bpfCol[32] = "n/a", bpfRatio[16] = "";
        if (haveStrace) {
            snprintf(straceCol, sizeof straceCol, "%.1f us", s);
            snprintf(straceRatio, sizeof straceRatio, "%.2fx", s / u);
        }
        if (haveBpf) {
            snprintf(bpfCol, sizeof bpfCol, "%.1f us", b);
            snprintf(bpfRatio, sizeof bpfRatio, "%.2fx", b / u);
        }
        printf("%-28s %7.1f us %7.1f us %6.2fx %8.1f us %6.2fx %12s %7s %10s %7s\n", l.name, u, t,
               t / u, e, e / u, bpfCol, bpfRatio, straceCol, straceRatio);
        report[l.kind] = {
            {"iterations", l.n},
            {"untraced_us", u},
            {"traced_us", t},
            {"traced_ratio", t / u},
            {"no_stop_snapshots_us", e},
            {"no_stop_snapshots_ratio", e / u},
            {"strace_us", haveStrace ? nlohmann::json(s) : nlohmann::json(nullptr)},
            {"strace_seccomp_bpf_us", haveBpf ? nlohmann::json(b) : nlohmann::json(nullptr)},
            {"traced_vs_strace_seccomp_bpf",
             haveBpf ? nlohmann::json(t / b) : nlohmann::json(nullptr)},
            {"no_stop_snapshots_vs_strace_seccomp_bpf",
             haveBpf ? nlohmann::json(e / b) : nlohmann::json(nullptr)},
            {"events_per_second", eventsPerSec}};
        if (haveBpf)
            printf("%-28s vs strace bpf: traced %.2fx, no snaps %.2fx\n", "", t / b, e / b);
        printf("%-28s events recorded per second (with snapshots): %.0f\n", "", eventsPerSec);
    }
    printf("\ntraced = a snapshot (fd table, thread ids) at every fork/exec/exit stop, as `forklab "
           "trace` takes them; no snaps = `forklab trace --no-stop-snapshots`.\n"
           "strace bpf = strace -f --seccomp-bpf -e trace=process; strace -f = the same without "
           "--seccomp-bpf.%s\n",
           haveStrace && !haveBpf ? " (this strace has no working --seccomp-bpf)" : "");
    if (!jsonPath.empty()) {
        std::ofstream(jsonPath) << report.dump(2) << '\n';
        printf("wrote %s\n", jsonPath.c_str());
    }
    return 0;
}

} // namespace

Run addBench(CLI::App& app) {
    auto rounds = std::make_shared<int>(5);
    auto json = std::make_shared<std::string>();
    CLI::App* sub = app.add_subcommand("bench", "Measure forklab against the OS floor and strace.");
    sub->require_subcommand(1);
    CLI::App* tracer = sub->add_subcommand(
        "tracer",
        "fork+_exit+wait and fork+exec loops: untraced vs traced vs strace -f (with and without "
        "--seccomp-bpf)");
    tracer->add_option("--rounds", *rounds, "Interleaved rounds (median reported)")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
    tracer->add_option("--json", *json, "Also write the numbers as JSON to FILE");
    auto launches = std::make_shared<int>(200), pyLaunches = std::make_shared<int>(50);
    auto python = std::make_shared<std::string>();
    auto launchJson = std::make_shared<std::string>();
    auto launchRounds = std::make_shared<int>(6);
    CLI::App* launch = sub->add_subcommand(
        "launch",
        "start()+join() latency per method: forklab (untraced, traced), OS floor, CPython");
    launch->add_option("--launches", *launches, "Launches per contender")
        ->check(CLI::Range(10, 100000))
        ->capture_default_str();
    launch->add_option("--python-launches", *pyLaunches, "Launches for CPython (0: skip it)")
        ->check(CLI::Range(0, 100000))
        ->capture_default_str();
    launch
        ->add_option("--rounds", *launchRounds,
                     "Interleaved rounds of the floors and forklab untraced (median reported)")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
    launch->add_option("--json", *launchJson, "Also write the numbers as JSON to FILE");
    launch->add_option("--python", *python, "CPython to compare with (default: python3 on PATH)");
    CLI::App* frame = sub->add_subcommand(
        "frame", "Frame build time with a synthetic trace of 1,000 processes / 1,000,000 events");
    auto frames = std::make_shared<int>(300);
    auto frameJson = std::make_shared<std::string>();
    auto noGl = std::make_shared<bool>(false);
    frame->add_option("--frames", *frames, "Measured frames per cursor/zoom row")
        ->check(CLI::Range(10, 100000))
        ->capture_default_str();
    frame->add_option("--json", *frameJson, "Also write the numbers as JSON to FILE");
    frame->add_flag("--no-gl", *noGl, "CPU side only (no display needed)");
    CLI::App* traceBench = sub->add_subcommand(
        "trace", "JSONL/Chrome export MB/s, import events/s, bytes per event, on 1M events");
    auto traceEvents = std::make_shared<size_t>(1000000);
    auto traceJson = std::make_shared<std::string>();
    traceBench->add_option("--events", *traceEvents, "Events in the replicated trace")
        ->check(CLI::Range(size_t(1000), size_t(100000000)))
        ->capture_default_str();
    traceBench->add_option("--json", *traceJson, "Also write the numbers as JSON to FILE");
    auto traceSave = std::make_shared<std::string>();
    traceBench->add_option("--save", *traceSave,
                           "Also keep the replicated trace as FILE.forklab.jsonl (to replay or "
                           "export it yourself)");
    auto programs = std::make_shared<ProgramsBenchOptions>();
    CLI::App* programsBench = sub->add_subcommand(
        "programs", "Real workloads from bench/ (make -j2, 2,000 x /bin/true, seq | awk, Python "
                    "Pool per method): untraced vs forklab trace vs strace -f --seccomp-bpf");
    programsBench->add_option("--rounds", programs->rounds, "Interleaved rounds (median reported)")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
    programsBench->add_flag("--quick", programs->quick,
                            "Small workloads (20 x /bin/true, seq 1000, one Pool): checks that "
                            "each runs, not what it costs");
    programsBench->add_option("--json", programs->json, "Also write the numbers as JSON to FILE");
    auto programsPython = std::make_shared<std::string>();
    programsBench->add_option("--python", *programsPython,
                              "CPython for the Pool workloads (default: python3 on PATH)");
    return [=] {
        if (programsBench->parsed()) {
            choosePython(*programsPython);
            return benchPrograms(*programs);
        }
        if (traceBench->parsed()) return benchTrace(*traceEvents, *traceJson, *traceSave);
        if (frame->parsed()) {
#ifdef FORKLAB_HAVE_GUI
            FrameBenchOptions o;
            o.frames = *frames;
            o.json = *frameJson;
            o.gl = !*noGl;
            return benchFrame(o);
#else
            fprintf(stderr, "forklab bench frame: this build has no GUI\n");
            return kExitUsage;
#endif
        }
        if (tracer->parsed()) return benchTracer(*rounds, *json);
        if (launch->parsed()) {
            choosePython(*python);
            return benchLaunch(*launches, *pyLaunches, *launchRounds, *launchJson);
        }
        return kExitUsage;
    };
}

} // namespace forklab::cli
