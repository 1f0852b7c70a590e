#pragma once
// A process's name: what it calls itself, argv[0]'s basename as the recorder read it from
// /proc/PID/cmdline ("cc", "awk"), not the executable the kernel resolved ("x86_64-linux-gnu-
// gcc-12", "mawk"), which the details and exports carry beside it. argv is the program's to
// choose: the name is bounded and printable.
#include <cstddef>
#include <string>
#include <string_view>

namespace forklab {

constexpr size_t kProcessNameMax = 64; // bytes of the name shown, before "…"

// argv0's basename; the exec'd path's when argv0 is empty (an execve with no arguments) or
// ends in '/'.
std::string processName(std::string_view argv0, std::string_view path);

// The same from a NUL-separated argv (ev::Exec::argv).
std::string processNameOfArgv(std::string_view nulSeparated, std::string_view path);

} // namespace forklab
