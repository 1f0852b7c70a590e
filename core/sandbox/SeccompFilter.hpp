#pragma once
// The sandbox's seccomp-bpf program: SECCOMP_RET_TRACE for exactly the syscalls the recorder
// must see before they happen (DESIGN §3), SECCOMP_RET_ALLOW for everything else, so untrapped
// syscalls cost nothing. The RET_DATA value tells the tracer which rule fired.
#include <linux/filter.h>
#include <vector>

namespace forklab {

enum class Trap : unsigned short {
    Exec = 1,   // execve / execveat: snapshot the fd table before exec closes CLOEXEC fds
    Create = 2, // open / openat / creat with O_CREAT
    Link = 3,   // link / linkat (sem_open links its temp file to the name)
    Unlink = 4, // unlink / unlinkat
    Kill = 5,   // kill / tkill / tgkill
    Write = 6,  // write / writev on fd 1 or 2
    Marker = 7, // kMarkerSyscall
};

std::vector<sock_filter> buildSeccompFilter();

} // namespace forklab
