// `forklab trace -- CMD ARGS…`: record any program and tell its story.
#include "Commands.hpp"
#include "StoryPrinter.hpp"

#include "core/sandbox/Sandbox.hpp"
#include "core/trace/TraceFile.hpp"

#include <iostream>
#include <memory>

namespace forklab::cli {

namespace {
struct TraceArgs {
    std::vector<std::string> command;
    double deadline = 60;
    double grace = 1;
    int maxProcs = 256;
    std::string exportPath;
    bool noNamespaces = false;
    bool passthrough = false;
    bool quiet = false;
};
} // namespace

Run addTrace(CLI::App& app) {
    auto args = std::make_shared<TraceArgs>();
    CLI::App* sub = app.add_subcommand(
        "trace", "Record a program in the sandbox and tell the story of its processes.");
    sub->footer("Example: forklab trace -- sh -c 'sleep 0.2 | cat; (sleep 30 &); exec true'\n"
                "The program's stdout/stderr go to /dev/null: what it writes is captured by the "
                "kernel trap and told in the story (use --passthrough to let it through).");
    sub->add_option("--deadline", args->deadline,
                    "Safety net in seconds of running time; the run is torn down then")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    sub->add_option("--grace", args->grace, "Seconds the rest may run after the root process exits")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    sub->add_option("--max-procs", args->maxProcs,
                    "Most tasks (processes + threads) the program may have at once")
        ->check(CLI::Range(1, 1 << 20))
        ->capture_default_str();
    sub->add_option("--export", args->exportPath, "Write the trace to FILE (.forklab.jsonl)");
    sub->add_flag("--no-namespaces", args->noNamespaces,
                  "Do not isolate in namespaces (host /dev/shm, journalled)");
    sub->add_flag("--passthrough", args->passthrough,
                  "Let the program use forklab's stdin/stdout/stderr");
    sub->add_flag("-q,--quiet", args->quiet, "Print only the summary, not every event");
    sub->add_option("command", args->command, "The program and its arguments (after --)")
        ->required();
    return [args] {
        SandboxOptions opt;
        opt.argv = args->command;
        opt.deadlineMs = int(args->deadline * 1000);
        opt.graceMs = int(args->grace * 1000);
        opt.maxProcs = args->maxProcs;
        opt.namespaces = !args->noNamespaces;
        opt.inheritStdio = args->passthrough;
        Trace trace;
        int code;
        try {
            code = tellRun(opt, trace, std::cout, TellOptions{args->quiet, false, {}});
        } catch (const LaunchError& e) {
            std::cerr << "forklab: " << e.what() << '\n';
            return e.exitCode();
        }
        if (!args->exportPath.empty()) {
            std::string err;
            if (!writeJsonlFile(trace, args->exportPath, &err)) {
                std::cerr << "forklab: " << err << '\n';
                return code ? code : 1;
            }
            std::cout << "trace written to " << args->exportPath << '\n';
        }
        return code;
    };
}

} // namespace forklab::cli
