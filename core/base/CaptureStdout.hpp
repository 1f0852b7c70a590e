#pragma once
#include <string>
#include <vector>

namespace forklab {

// Runs argv (PATH searched) outside any sandbox, stderr to /dev/null, and returns its stdout.
// With timeoutMs > 0 a program that has not finished by then is killed (what it wrote is kept):
// a probe must not hang forklab.
std::string captureStdout(const std::vector<std::string>& argv, int timeoutMs = 0);

} // namespace forklab
