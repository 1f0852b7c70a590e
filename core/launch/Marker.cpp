#include "Marker.hpp"

#include "core/sandbox/MarkerSyscall.hpp"

#include <cstdint>
#include <cstring>
#include <sys/syscall.h>
#include <unistd.h>

namespace forklab::launch {
namespace {

void mark(const char* label, unsigned flags, uint64_t value) {
    // Outside forklab the number is unknown to the kernel: ENOSYS, nothing else happens.
    syscall(kMarkerSyscall, label, strlen(label), flags, value);
}

} // namespace

void step(const char* label) {
    mark(label, 0, 0);
}
void keyStep(const char* label) {
    mark(label, kMarkerKey, 0);
}
void nameMutex(const char* name, const void* addr) {
    mark(name, kMarkerNameAddr, reinterpret_cast<uint64_t>(addr));
}
void nameFd(int fd, const char* role) {
    mark(role, kMarkerNameFd, uint64_t(fd));
}

} // namespace forklab::launch
