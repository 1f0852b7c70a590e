#include "Marker.hpp"

#include "core/sandbox/MarkerSyscall.hpp"

#include <cstdint>
#include <cstring>
#include <sys/syscall.h>
#include <unistd.h>

namespace forklab::launch {
namespace {

void mark(std::string_view label, unsigned flags, uint64_t value, std::string_view file = {}) {
    // Outside forklab the number is unknown to the kernel: ENOSYS, nothing else happens.
    syscall(kMarkerSyscall, label.data(), label.size(), flags, value,
            file.empty() ? "" : file.data(), file.size());
}

void markStep(const char* label, unsigned flags, const std::source_location& where) {
    mark(label, flags | kMarkerWhere, where.line(), where.file_name());
}

} // namespace

void step(const char* label, std::source_location where) {
    markStep(label, 0, where);
}
void keyStep(const char* label, std::source_location where) {
    markStep(label, kMarkerKey, where);
}
void nameMutex(const char* name, const void* addr) {
    mark(name, kMarkerNameAddr, reinterpret_cast<uint64_t>(addr));
}
void nameFd(int fd, std::string_view role) {
    mark(role, kMarkerNameFd, uint64_t(fd));
}

} // namespace forklab::launch
