#pragma once
// The run's stdout and stderr as open file descriptions: forklab's own (the program inherits
// them) or one /dev/null opened here and handed to the program (--quiet-program, lessons).
// A write on fd 1 or 2 is the program's output only when that fd is still one of these objects
// (kcmp(2) KCMP_FILE): `seq | awk` writes into its own pipe on fd 1, and `echo >&2` writes to
// stderr through fd 1.
#include "core/base/ScopedFd.hpp"

#include <sys/types.h>

namespace forklab {

class OriginalStdio {
  public:
    explicit OriginalStdio(bool inherit);

    // What the program gets as fds 0 and 1, and as fd 2: -1 when it inherits forklab's. Two
    // opens of /dev/null, so that its stdout and stderr stay two objects.
    int programStdout() const { return null_.get(); }
    int programStderr() const { return nullErr_.get(); }
    // 1 (the run's stdout), 2 (its stderr) or 0 (neither) for FD of task TID; where the kernel
    // cannot tell (no kcmp), FD itself. When stdout and stderr are one object (a terminal both
    // are open on, /dev/null), the fd number names it.
    int which(pid_t tid, int fd) const;

  private:
    ScopedFd out_, err_, null_, nullErr_;
    bool sameObject_ = false;
};

} // namespace forklab
