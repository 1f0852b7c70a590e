// `forklab trace -- CMD ARGS…`: record any program and tell its story.
#include "Commands.hpp"
#include "StoryPrinter.hpp"

#include "core/sandbox/Sandbox.hpp"
#include "core/trace/TraceFile.hpp"

#include <charconv>
#include <iostream>
#include <memory>
#include <sstream>

namespace forklab::cli {

namespace {
constexpr double kMaxSeconds = 1'000'000; // 11.6 days: its milliseconds fit an int
struct TraceArgs {
    std::vector<std::string> command;
    double deadline = 0; // none: a build or a test suite may take as long as it takes
    double grace = 1;
    int maxProcs = 4096; // a real program's threads count too
    uint64_t outputCap = 4 << 20;
    std::string exportPath;
    std::vector<std::string> rlimits;
    bool noNamespaces = false;
    bool isolate = false;
    bool asRoot = false;
    bool passthrough = false; // the default now; kept so older command lines still work
    bool quietProgram = false;
    bool noStopSnapshots = false;
    bool quiet = false;
};

// Seconds as a CLI option, checked so that its milliseconds fit (no overflow to a negative time).
CLI::Validator seconds(double lo, double hi) {
    return CLI::Validator(
        [lo, hi](std::string& in) -> std::string {
            double v = 0;
            try {
                size_t used = 0;
                v = std::stod(in, &used);
                if (used != in.size()) return "'" + in + "' is not a number of seconds";
            } catch (const std::exception&) {
                return "'" + in + "' is not a number of seconds";
            }
            if (!(v >= lo && v <= hi)) {
                std::ostringstream m;
                m << in << " s is out of range: from " << lo << " to " << hi << " seconds ("
                  << hi / 86400 << " days)";
                return m.str();
            }
            return {};
        },
        "SECONDS");
}

// --rlimit NAME=SOFT[:HARD], NAME one of nofile, as, cpu, core, stack; VALUE a number or
// "unlimited". Returns an empty string or what is wrong.
std::string parseRlimit(const std::string& text, RlimitSetting* out) {
    static const std::pair<const char*, int> kNames[] = {{"nofile", RLIMIT_NOFILE},
                                                         {"as", RLIMIT_AS},
                                                         {"cpu", RLIMIT_CPU},
                                                         {"core", RLIMIT_CORE},
                                                         {"stack", RLIMIT_STACK}};
    size_t eq = text.find('=');
    if (eq == std::string::npos) return "--rlimit wants NAME=SOFT[:HARD] (got '" + text + "')";
    std::string name = text.substr(0, eq);
    int res = -1;
    for (auto [n, r] : kNames)
        if (name == n) res = r;
    if (res < 0) return "--rlimit: no limit '" + name + "' (nofile, as, cpu, core or stack)";
    auto value = [](const std::string& v, rlim_t* x) {
        if (v == "unlimited") {
            *x = RLIM_INFINITY;
            return true;
        }
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), *x);
        return ec == std::errc() && end == v.data() + v.size() && *x != RLIM_INFINITY;
    };
    std::string rest = text.substr(eq + 1);
    size_t colon = rest.find(':');
    rlimit rl{};
    if (!value(rest.substr(0, colon), &rl.rlim_cur) ||
        !value(colon == std::string::npos ? rest.substr(0, colon) : rest.substr(colon + 1),
               &rl.rlim_max))
        return "--rlimit " + name + ": '" + rest + "' is not a number (or unlimited)";
    if (rl.rlim_cur > rl.rlim_max) return "--rlimit " + name + ": the soft limit is above the hard";
    *out = RlimitSetting{res, rl};
    return {};
}
} // namespace

Run addTrace(CLI::App& app) {
    auto args = std::make_shared<TraceArgs>();
    CLI::App* sub = app.add_subcommand(
        "trace", "Record a program in the sandbox and tell the story of its processes.");
    sub->footer("Example: forklab trace -- sh -c 'sleep 0.2 | cat; (sleep 30 &); exec true'\n"
                "The program runs with your stdin, stdout and stderr, untouched; the story goes "
                "to stderr (-q: only its summary), so `forklab trace -q -- CMD | next` pipes "
                "exactly CMD's output. What it writes to them is also recorded, per process.");
    sub->add_option("--deadline", args->deadline,
                    "Safety net in seconds of running time (not time held at a step); the run "
                    "is torn down then, and the story says so. Default: none")
        ->check(seconds(0.001, kMaxSeconds));
    sub->add_option("--grace", args->grace, "Seconds the rest may run after the root process exits")
        ->check(seconds(0, kMaxSeconds))
        ->capture_default_str();
    sub->add_option("--max-procs", args->maxProcs,
                    "Most tasks the program may have at once; threads count as tasks, and the "
                    "kernel refuses the one more (fork/pthread_create fail with EAGAIN), and the "
                    "story and the trace say who was refused")
        ->check(CLI::Range(1, 1 << 20))
        ->capture_default_str();
    sub->add_option("--output-cap", args->outputCap,
                    "Bytes of output text the trace keeps; beyond them writes are counted as "
                    "not kept")
        ->check(CLI::Range(uint64_t(0), uint64_t(1) << 40))
        ->capture_default_str();
    sub->add_option("--export", args->exportPath, "Write the trace to FILE (.forklab.jsonl)");
    sub->add_flag("--isolate", args->isolate,
                  "Read-only host files, a private /tmp and /dev/shm, only loopback, no_new_privs "
                  "(what lessons always get)");
    sub->add_flag("--as-root", args->asRoot,
                  "Under sudo, run the program as root (else as the user who ran sudo)");
    sub->add_option("--rlimit", args->rlimits,
                    "NAME=SOFT[:HARD] for nofile, as, cpu, core or stack (else the program "
                    "inherits yours); repeatable");
    sub->add_flag("--no-namespaces", args->noNamespaces,
                  "No namespaces: the host's /dev/shm and /tmp, the process limit enforced at "
                  "fork (only a pids cgroup, as root, holds it before)");
    sub->add_flag("--quiet-program", args->quietProgram,
                  "Give the program /dev/null as stdin, stdout and stderr: what it writes is only "
                  "recorded and told in the story (as lessons do)");
    sub->add_flag("--no-stop-snapshots", args->noStopSnapshots,
                  "Do not read each process's fd table and threads at its fork, exec and exit "
                  "stops: a fork+exec costs about what it costs under strace -f -e "
                  "trace=process, and the fd view has only the tables the idle probe reads when "
                  "the program is quiet (deadlocks are still found)");
    sub->add_flag("--passthrough", args->passthrough,
                  "The program uses your stdin/stdout/stderr (the default)");
    sub->add_flag("-q,--quiet", args->quiet, "Print only the summary, not every event");
    sub->add_option("command", args->command, "The program and its arguments (after --)")
        ->required();
    return [args] {
        SandboxOptions opt;
        opt.argv = args->command;
        opt.deadlineMs = int(args->deadline * 1000);
        opt.graceMs = int(args->grace * 1000);
        opt.maxProcs = args->maxProcs;
        opt.outputCap = args->outputCap;
        opt.namespaces = !args->noNamespaces;
        opt.isolate = args->isolate;
        opt.asRoot = args->asRoot;
        if (args->isolate && args->noNamespaces) {
            std::cerr << "forklab: --isolate needs the namespaces that --no-namespaces turns off\n";
            return kExitUsage;
        }
        for (auto& text : args->rlimits) {
            RlimitSetting r{};
            if (std::string err = parseRlimit(text, &r); !err.empty()) {
                std::cerr << "forklab: " << err << '\n';
                return kExitUsage;
            }
            opt.rlimits.push_back(r);
        }
        opt.inheritStdio = !args->quietProgram;
        opt.snapshots = !args->noStopSnapshots;
        Trace trace;
        int code;
        try {
            // The story never mixes into the program's stdout.
            code = tellRun(opt, trace, std::cerr, TellOptions{args->quiet, false, {}});
        } catch (const LaunchError& e) {
            std::cerr << "forklab: " << e.what() << '\n';
            return e.exitCode();
        }
        if (!args->exportPath.empty()) {
            std::string err;
            if (!writeJsonlFile(trace, args->exportPath, &err)) {
                std::cerr << "forklab: " << err << " (the program's exit code was " << code
                          << ")\n";
                return kExitNotWritten;
            }
            std::cerr << "trace written to " << args->exportPath << '\n';
        }
        return code;
    };
}

} // namespace forklab::cli
