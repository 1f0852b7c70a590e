#pragma once
// A real run of a fixture for the views' tests, recorded in the sandbox as the window records it.
#include "../SandboxHelpers.hpp" // fixture()

#include <memory>
#include <string>
#include <vector>

namespace forklab::test {

inline std::unique_ptr<Trace> record(std::vector<std::string> argv, bool stopSnapshots = true) {
    auto trace = std::make_unique<Trace>();
    SandboxOptions o;
    o.argv = std::move(argv);
    o.graceMs = 300;
    o.snapshots = stopSnapshots;
    runSandbox(o, *trace);
    return trace;
}

} // namespace forklab::test
