#pragma once
// Writer-side hash-consing of snapshot tables: an fd, thread or mapping table equal to one the
// trace already holds is stored as that one. A process's consecutive snapshots mostly repeat its
// fd table, and sibling processes often have the same one, so this is most of a trace's memory.
#include "core/probe/Snapshot.hpp"

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace forklab {

class TablePool {
  public:
    // The pooled table equal to `v` (added if new).
    CowVector<FdEntry> share(const std::vector<FdEntry>& v) { return fds_.share(v); }
    CowVector<ThreadState> share(const std::vector<ThreadState>& v) { return threads_.share(v); }
    CowVector<ShmMapping> share(const std::vector<ShmMapping>& v) { return shm_.share(v); }
    // The snapshot with each table replaced by its pooled equal.
    void shareTables(ProcessSnapshot& s) {
        s.fds = share(s.fds.vec());
        s.threads = share(s.threads.vec());
        s.shm = share(s.shm.vec());
    }

  private:
    template <class T>
    class Set {
      public:
        CowVector<T> share(const std::vector<T>& v);

      private:
        std::unordered_multimap<uint64_t, CowVector<T>> byHash_;
    };
    Set<FdEntry> fds_;
    Set<ThreadState> threads_;
    Set<ShmMapping> shm_;
};

} // namespace forklab
