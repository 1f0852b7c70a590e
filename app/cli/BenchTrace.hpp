#pragma once
#include <cstddef>
#include <string>

namespace forklab::cli {

int benchTrace(size_t events, const std::string& jsonPath, const std::string& savePath);

} // namespace forklab::cli
