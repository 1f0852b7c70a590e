#pragma once
// Reads a stopped tracee's memory with process_vm_readv: syscall arguments (paths, labels,
// output buffers) are read exactly as the process passed them.
#include <cstdint>
#include <string>
#include <sys/types.h>

namespace forklab {

class TraceeMemory {
  public:
    explicit TraceeMemory(pid_t tid) : tid_(tid) {}

    // Up to len bytes at addr (fewer if part of the range is unmapped).
    std::string read(uint64_t addr, size_t len) const;
    // A NUL-terminated string of at most max bytes.
    std::string readString(uint64_t addr, size_t max) const;
    // The concatenated buffers of an iovec array, capped at max; *total gets the full length.
    std::string readIovec(uint64_t iov, int count, size_t max, size_t* total) const;

  private:
    pid_t tid_;
};

} // namespace forklab
