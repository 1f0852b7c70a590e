// forklab: watch how processes are started. See README.md and `forklab --help`.
#include "cli/BenchLoop.hpp"
#include "cli/Commands.hpp"

#include "core/sandbox/PidsCgroup.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
    using namespace forklab;
    // The workload `forklab bench` measures (run by the benchmark itself, not by users).
    if (argc == 4 && std::string(argv[1]) == "bench-loop")
        return cli::benchLoop(argv[2], atoi(argv[3]));
    // What a forklab that was killed left behind (its pids cgroup) is removed first, and said.
    for (auto& line : PidsCgroup::removeStale()) fprintf(stderr, "forklab: %s\n", line.c_str());

    CLI::App app{"forklab — run programs in a sandbox and watch, from outside, how their processes "
                 "are started: fork, exec, threads, inherited fds, mutexes and named semaphores."};
    app.require_subcommand(0, 1);
    app.set_version_flag("--version", "forklab 0.1.0");
    app.footer("Without a subcommand forklab opens the GUI (or, without a display, tells a run in "
               "the terminal).\nExit codes: the traced program's status (128+N if signal N killed "
               "it), 2 usage error, 3 no display for `forklab gui`, 4 the --export file could not "
               "be written, 127 program not found (or no CPython for a python-* lesson).");
    cli::Run list = cli::addList(app);
    cli::Run run = cli::addRun(app);
    cli::Run trace = cli::addTrace(app);
    cli::Run gui = cli::addGui(app);
    cli::Run bench = cli::addBench(app);
    cli::Run exportCmd = cli::addExport(app);
    cli::Run replay = cli::addReplay(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return cli::kExitUsage;
    }
    if (app.got_subcommand("list")) return list();
    if (app.got_subcommand("run")) return run();
    if (app.got_subcommand("trace")) return trace();
    if (app.got_subcommand("gui")) return gui();
    if (app.got_subcommand("bench")) return bench();
    if (app.got_subcommand("export")) return exportCmd();
    if (app.got_subcommand("replay")) return replay();
    return cli::runDefault();
}
