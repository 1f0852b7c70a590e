#pragma once
// The marker a scenario uses to name its steps: a syscall number no kernel implements, trapped by
// the sandbox's seccomp filter (SECCOMP_RET_TRACE) so the tracer reads the label from the
// process's memory. It needs no fd and no shared memory in the observed process; outside forklab
// it simply fails with ENOSYS and costs one syscall.
//   syscall(kMarkerSyscall, label, length, flags, value, file, file_length)
// A step with kMarkerWhere also says where it is: `value` is its line, `file` its source file.
#include <cstddef>

namespace forklab {

constexpr long kMarkerSyscall = 4001;
constexpr unsigned kMarkerKey = 1;      // a step, and the lesson's key step
constexpr unsigned kMarkerNameAddr = 2; // not a step: "the mutex at address `value` is LABEL"
constexpr unsigned kMarkerNameFd = 4;   // not a step: "fd `value` of this process is LABEL"
constexpr unsigned kMarkerWhere = 8;    // a step that gives its source file and line
constexpr size_t kMarkerMaxLabel = 256;
constexpr size_t kMarkerMaxFile = 256;

} // namespace forklab
