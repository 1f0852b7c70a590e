#pragma once
// A held /proc/PID directory handle. Every read goes through openat() on it, so a reaped pid
// gives ESRCH/ENOENT instead of silently reading a new process that reused the number.
#include "core/base/ScopedFd.hpp"

#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace forklab {

class ProcDir {
  public:
    // /proc/PID (works for any TID too). Empty when the task does not exist.
    static std::optional<ProcDir> open(pid_t pid);
    static std::optional<ProcDir> openTask(pid_t pid, pid_t tid); // /proc/PID/task/TID

    pid_t pid() const { return pid_; }
    int fd() const { return dir_.get(); }

    // Whole file relative to this directory ("status", "fdinfo/3"); empty optional on error.
    std::optional<std::string> readFile(const char* rel) const;
    // The same for a file the kernel makes with one show() call (single_open: "status", "stat",
    // "fdinfo/N", "wchan", "syscall"): seq_read runs show() into a buffer it grows until the
    // text fits and copies out as much as asked, with no signal check, so a read that leaves
    // room in the buffer had the whole text and the read that would return 0 is saved (one
    // syscall per file at every snapshot). Not for multi-record files ("maps", "mountinfo").
    std::optional<std::string> readShown(const char* rel) const;
    std::optional<std::string> readLink(const char* rel) const;
    // Numeric entries of a subdirectory ("fd", "task"), sorted; empty optional on error.
    std::optional<std::vector<int>> listNumbers(const char* rel) const;

  private:
    ProcDir(pid_t pid, ScopedFd dir) : pid_(pid), dir_(std::move(dir)) {}
    pid_t pid_;
    ScopedFd dir_;
};

} // namespace forklab
