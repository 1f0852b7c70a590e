#pragma once
// The marker a scenario uses to name its steps: a syscall number no kernel implements, trapped by
// the sandbox's seccomp filter (SECCOMP_RET_TRACE) so the tracer reads the label from the
// process's memory. It needs no fd and no shared memory in the observed process; outside forklab
// it simply fails with ENOSYS and costs one syscall.
#include <cstddef>

namespace forklab {

constexpr long kMarkerSyscall = 4001;
constexpr unsigned kMarkerKey = 1; // flag: this is the lesson's key step
constexpr size_t kMarkerMaxLabel = 256;

} // namespace forklab
