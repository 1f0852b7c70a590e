#pragma once
// A named POSIX semaphore made the way multiprocessing makes one for a context: under fork it is
// unlinked at once (it lives on as the shared mapping children inherit; nothing to leak, no
// tracker); under spawn and forkserver it keeps its name, registered with the tracker, and is
// unlinked by its creator's finalizer (or, if the creator dies first, by the tracker).
#include "StartMethod.hpp"

#include <semaphore.h>
#include <string>

namespace forklab::launch {

class NamedSemaphore {
  public:
    NamedSemaphore(StartMethod context, unsigned value);
    NamedSemaphore(const NamedSemaphore&) = delete;
    ~NamedSemaphore(); // the finalizer: sem_unlink + UNREGISTER (skipped if the process is killed)

    bool valid() const { return sem_ != SEM_FAILED; }
    const std::string& name() const { return name_; } // "/fl-XXXXXXXX"
    sem_t* get() const { return sem_; }

  private:
    std::string name_;
    sem_t* sem_ = SEM_FAILED;
    bool named_ = false;
};

} // namespace forklab::launch
