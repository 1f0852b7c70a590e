#pragma once
#include <string>
#include <vector>

namespace forklab::cli {

// Runs argv (PATH searched) outside any sandbox, stderr to /dev/null, and returns its stdout.
std::string captureStdout(const std::vector<std::string>& argv);

} // namespace forklab::cli
