#pragma once
#include <string>

namespace forklab::cli {

// The floors and forklab's untraced launches are measured in `rounds` interleaved rounds.
int benchLaunch(int launches, int pythonLaunches, int rounds, const std::string& jsonPath);

} // namespace forklab::cli
