#pragma once
// Where a stopped thread is: its native call stack, unwound from outside with elfutils' libdwfl
// (registers by PTRACE_GETREGS, memory by process_vm_readv), named from the ELF symbol tables
// and separate debug info of the files the process has mapped.
// Everything read is program-controlled: the walk is bounded (kMaxStackFrames), names are
// bounded and stripped of control bytes, and garbage yields fewer frames, never a crash.
#include "FrameName.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace forklab {

constexpr size_t kMaxStackFrames = 32;
constexpr size_t kMaxFrameFunction = 256; // bytes of a (demangled) function name kept
constexpr size_t kMaxFrameModule = 128;   // bytes of a module's file name kept

struct StackFrame {
    uint64_t pc = 0;      // the frame's return address (the current pc for the innermost)
    std::string function; // "pthread_mutex_lock", demangled; "" if no symbol covers pc
    std::string module;   // the mapped file's base name, "libc.so.6"; "" if none
};

struct ThreadStack {
    std::vector<StackFrame> frames; // innermost first
    bool truncated = false;         // the walk went on past kMaxStackFrames
    std::string unread;             // why there are no frames (a short phrase); "" if read

    bool recorded() const { return !frames.empty() || !unread.empty(); }
};

// Unwinds thread `tid` of process `pid`. The caller must be the thread that ptrace-traces `tid`
// and `tid` must be in a ptrace stop: libdwfl is told so (assume_ptrace_stopped) and neither
// attaches, detaches nor resumes anything. Files are opened through /proc/PID/root, so a path
// means what it means inside the sandbox's mount namespace.
ThreadStack readThreadStack(pid_t pid, pid_t tid);

} // namespace forklab
