// `forklab bench`: measured ratios, never assumed (filled in below per benchmark).
#include "Commands.hpp"

#include <iostream>

namespace forklab::cli {

Run addBench(CLI::App& app) {
    CLI::App* sub = app.add_subcommand("bench", "Measure forklab against the OS floor.");
    sub->add_subcommand("tracer", "fork/exec loops, untraced vs traced, events per second");
    sub->require_subcommand(1);
    return [] {
        std::cerr << "forklab bench: not implemented yet\n";
        return 1;
    };
}

} // namespace forklab::cli
