#pragma once
// Start this program afresh (posix_spawn: a vfork-style clone + exec, no fork handlers run in the
// parent, as CPython's _posixsubprocess does). The new image keeps stdio and exactly `keep` under
// the same numbers; other inheritable fds are closed before exec, CLOEXEC ones by exec itself.
#include <string>
#include <sys/types.h>
#include <vector>

namespace forklab::launch {

pid_t spawnSelf(const std::vector<std::string>& args, const std::vector<int>& keep);

} // namespace forklab::launch
