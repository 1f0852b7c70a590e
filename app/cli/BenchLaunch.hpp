#pragma once
#include <string>

namespace forklab::cli {

int benchLaunch(int launches, int pythonLaunches, const std::string& jsonPath);

} // namespace forklab::cli
