#pragma once
// The run's private /dev/shm, as the tracer holds it. It is identified once, when the launcher
// has mounted it and before the program exists: a directory fd on the tmpfs and its device.
// Every later look or removal goes through that fd after checking the device again, so nothing
// the program does (unmounting, over-mounting, symlinks) can point the sweep at the host's
// /dev/shm. Without a verified private mount forklab removes nothing.
#include "core/base/ScopedFd.hpp"

#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace forklab {

class PrivateShm {
  public:
    // The launcher's /dev/shm, kept only if it is a tmpfs, is not forklab's own /dev/shm, and
    // is the device the launcher's mount table shows mounted on /dev/shm. Else empty, with why.
    static std::optional<PrivateShm> verify(pid_t launcher, std::string* why);

    dev_t device() const { return dev_; }
    bool stillOurs() const;                 // the fd still shows a tmpfs of the same device
    std::vector<std::string> names() const; // its top-level entries
    // Removes one top-level entry (a directory with what it holds, never crossing a device).
    bool remove(const std::string& name) const;

  private:
    PrivateShm(ScopedFd dir, dev_t dev) : dir_(std::move(dir)), dev_(dev) {}
    ScopedFd dir_;
    dev_t dev_;
};

// The device number of the tmpfs mounted last on MOUNT_POINT in a mountinfo text, if any.
std::optional<dev_t> tmpfsDeviceAt(const std::string& mountinfo, const std::string& mountPoint);

} // namespace forklab
