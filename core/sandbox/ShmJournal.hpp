#pragma once
// Without a private /dev/shm (fallback mode) the names a run creates live in the host's /dev/shm.
// Each is journalled before the program can lose it, so if forklab itself is killed, the next
// forklab start removes and reports what the crash left behind.
#include "core/base/ScopedFd.hpp"

#include <string>
#include <vector>

namespace forklab {

class ShmJournal {
  public:
    ShmJournal(); // opens a fresh journal of this process
    ShmJournal(const ShmJournal&) = delete;
    ~ShmJournal(); // a run that ended cleanly swept its names: the journal goes

    void record(const std::string& name); // name relative to /dev/shm

    // Journals of forklab processes that no longer exist: removes their /dev/shm names that still
    // exist and returns one line per removed name.
    static std::vector<std::string> recoverStale();

  private:
    std::string path_;
    ScopedFd fd_;
};

} // namespace forklab
