#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace forklab {

// The three start methods of Python's multiprocessing, re-enacted by core/launch.
enum class StartMethod : uint8_t { Fork, Spawn, Forkserver };
const char* toString(StartMethod);
std::optional<StartMethod> parseStartMethod(const std::string&);
constexpr StartMethod kAllMethods[] = {StartMethod::Fork, StartMethod::Spawn,
                                       StartMethod::Forkserver};

} // namespace forklab
