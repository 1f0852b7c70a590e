#pragma once
// The subcommands of the forklab CLI. Each registers itself on the CLI11 app and returns the
// callback that runs it; main() parses and calls the chosen one.
#include <CLI/CLI.hpp>
#include <functional>

namespace forklab::cli {

using Run = std::function<int()>;

Run addTrace(CLI::App& app);
Run addList(CLI::App& app);
Run addRun(CLI::App& app);
Run addGui(CLI::App& app);
Run addBench(CLI::App& app);
Run addExport(CLI::App& app);
Run addReplay(CLI::App& app);
int runDefault(); // bare `forklab`: the GUI, or a lesson in the terminal where there is no display

// Exit codes (DESIGN §8).
constexpr int kExitUsage = 2;
constexpr int kExitNoDisplay = 3;
// forklab could not write what it was asked to (--export): its own failure, whatever the
// program's status was (that is said on stderr).
constexpr int kExitNotWritten = 4;
constexpr int kExitNotFound = 127;

} // namespace forklab::cli
