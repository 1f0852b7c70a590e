#include "SandboxMounts.hpp"

#include "core/base/WriteFile.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

namespace forklab {
namespace {

constexpr unsigned long kNoSuidNoDev = MS_NOSUID | MS_NODEV;
constexpr const char* kTmpfsData = "mode=1777,size=65536k";

bool setReadOnly(const char* path, bool alsoNoSuid) {
    mount_attr a{};
    a.attr_set = MOUNT_ATTR_RDONLY | (alsoNoSuid ? MOUNT_ATTR_NOSUID : 0);
    return mount_setattr(AT_FDCWD, path, AT_RECURSIVE, &a, sizeof a) == 0;
}

// A read-only bind of a path onto itself (a file or a directory that is not a mount).
bool bindReadOnly(const char* path) {
    if (mount(path, path, nullptr, MS_BIND | MS_REC, nullptr) != 0) return false;
    return setReadOnly(path, false);
}

} // namespace

int makeSandboxMounts(const LaunchPlan& p) {
    // Nothing we mount propagates back to the host.
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return kStagePrivateMounts;
    if (p.isolate) {
        if (!setReadOnly("/", true)) return kStageReadOnlyRoot;
        if (mount("tmpfs", "/tmp", "tmpfs", kNoSuidNoDev, kTmpfsData) != 0) return kStagePrivateTmp;
    } else {
        // The rest stays the user's own, writable; only the pids limit's files are not.
        setReadOnly("/sys/fs/cgroup", false); // absent or already read-only: nothing to do
    }
    if (mount("tmpfs", "/dev/shm", "tmpfs", kNoSuidNoDev, kTmpfsData) != 0) return kStagePrivateShm;
    // A proc of this pid namespace, so `ps` inside sees the sandbox. A kernel may refuse it
    // (a container's masked /proc); then the host's stays, read-only where it could do harm.
    mount("proc", "/proc", "proc", kNoSuidNoDev | MS_NOEXEC, nullptr);
    bindReadOnly("/proc/sys");
    bindReadOnly("/proc/sysrq-trigger");
    return kStageExec;
}

bool loopbackUp() {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return false;
    ifreq ifr{};
    memcpy(ifr.ifr_name, "lo", 3);
    bool ok = ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
    if (ok) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        ok = ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
    }
    int e = errno;
    close(s);
    errno = e;
    return ok;
}

bool lockMountsBelow(const LaunchPlan& p) {
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) return false;
    // An unprivileged map of one's own ids needs setgroups denied first.
    // The const char* form: no allocation between clone and exec.
    writeWholeFile("/proc/self/setgroups", "deny");
    return writeWholeFile("/proc/self/uid_map", std::string_view(p.innerUidMap)) &&
           writeWholeFile("/proc/self/gid_map", std::string_view(p.innerGidMap));
}

} // namespace forklab
