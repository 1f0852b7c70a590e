#pragma once
// The sandbox's seccomp-bpf program: SECCOMP_RET_TRACE for exactly the syscalls the recorder
// must see before they happen (DESIGN §3), ENOSYS for clone3 (its flags could hide a child),
// SECCOMP_RET_ALLOW for everything else, so untrapped syscalls cost nothing. The RET_DATA value
// tells the tracer which rule fired.
#include <cstdint>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <optional>
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
    Clone = 8,  // clone with CLONE_UNTRACED: the tracer clears the flag
    // seccomp(SECCOMP_SET_MODE_FILTER) / prctl(PR_SET_SECCOMP): the program installs a filter
    // of its own, which may take its execs from ours (ExecStops.cpp)
    Seccomp = 9,
};
constexpr Trap kLastTrap = Trap::Seccomp;

std::vector<sock_filter> buildSeccompFilter();

// Runs a classic BPF program over one syscall's seccomp_data, as the kernel would: the
// instructions buildSeccompFilter emits (loads of nr, arch and args, JEQ/JSET/JA, ALU AND/OR,
// RET). Anything else, a load out of range or a jump past the end, gives SECCOMP_RET_KILL_PROCESS.
uint32_t runSeccompFilter(const std::vector<sock_filter>& prog, const seccomp_data& data);

// The trap forklab's own filter asks for on this syscall, or nullopt if it asks for none. A
// SECCOMP_RET_TRACE stop is the recorder's only when this names a trap: a program may install a
// filter of its own that returns RET_TRACE with any data value for any syscall (DESIGN §3 "Trust"),
// and its data wins over ours when both trace the same call.
std::optional<Trap> forklabTrap(const seccomp_data& data);

} // namespace forklab
