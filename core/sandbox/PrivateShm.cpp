#include "PrivateShm.hpp"

#include "core/probe/ProcDir.hpp"

#include <charconv>
#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string_view>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

namespace forklab {
namespace {

constexpr int kMaxDepth = 16; // deeper trees in /dev/shm are left (and were reported)

bool isTmpfs(int fd) {
    struct statfs fs;
    return fstatfs(fd, &fs) == 0 && fs.f_type == TMPFS_MAGIC;
}

std::vector<std::string> entries(int dirfd) {
    std::vector<std::string> out;
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return out;
    DIR* d = fdopendir(fd);
    if (!d) {
        close(fd);
        return out;
    }
    while (dirent* e = readdir(d)) {
        std::string_view n = e->d_name;
        if (n != "." && n != "..") out.emplace_back(n);
    }
    closedir(d);
    return out;
}

// NAME is one path component (from readdir): no '/' to walk, ".." excluded.
bool removeAt(int dirfd, const std::string& name, dev_t dev, int depth) {
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
        return false;
    if (unlinkat(dirfd, name.c_str(), 0) == 0) return true;
    if (errno != EISDIR || depth >= kMaxDepth) return false;
    ScopedFd sub(openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    struct stat st;
    if (!sub || fstat(sub.get(), &st) != 0 || st.st_dev != dev) return false;
    for (auto& n : entries(sub.get())) removeAt(sub.get(), n, dev, depth + 1);
    return unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) == 0;
}

} // namespace

std::optional<dev_t> tmpfsDeviceAt(const std::string& info, const std::string& mountPoint) {
    // Each line: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS…] - FSTYPE SOURCE SUPER
    std::optional<dev_t> found;
    size_t at = 0;
    while (at < info.size()) {
        size_t eol = info.find('\n', at);
        if (eol == std::string::npos) eol = info.size();
        std::string_view line(info.data() + at, eol - at);
        at = eol + 1;
        std::string_view field[5];
        size_t pos = 0;
        bool ok = true;
        for (auto& f : field) {
            size_t sp = line.find(' ', pos);
            if (sp == std::string_view::npos) {
                ok = false;
                break;
            }
            f = line.substr(pos, sp - pos);
            pos = sp + 1;
        }
        if (!ok || field[4] != mountPoint) continue;
        size_t sep = line.find(" - ", pos);
        if (sep == std::string_view::npos || line.substr(sep + 3, 6) != "tmpfs ") continue;
        size_t colon = field[2].find(':');
        if (colon == std::string_view::npos) continue;
        unsigned maj = 0, min = 0;
        auto a = std::from_chars(field[2].data(), field[2].data() + colon, maj);
        auto b =
            std::from_chars(field[2].data() + colon + 1, field[2].data() + field[2].size(), min);
        if (a.ec != std::errc() || b.ec != std::errc()) continue;
        found = makedev(maj, min); // the last one mounted there is the one on top
    }
    return found;
}

std::optional<PrivateShm> PrivateShm::verify(pid_t launcher, std::string* why) {
    auto fail = [&](const std::string& w) -> std::optional<PrivateShm> {
        if (why) *why = w;
        return std::nullopt;
    };
    auto proc = ProcDir::open(launcher);
    if (!proc) return fail("the sandbox's first process is gone");
    ScopedFd dir(openat(proc->fd(), "root/dev/shm", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) return fail("its /dev/shm cannot be opened");
    struct stat st, host;
    if (fstat(dir.get(), &st) != 0 || !isTmpfs(dir.get())) return fail("its /dev/shm is no tmpfs");
    if (stat("/dev/shm", &host) == 0 && host.st_dev == st.st_dev)
        return fail("its /dev/shm is the host's");
    auto info = proc->readFile("mountinfo");
    auto dev = info ? tmpfsDeviceAt(*info, "/dev/shm") : std::nullopt;
    if (!dev || *dev != st.st_dev) return fail("its mount table does not show that tmpfs");
    return PrivateShm(std::move(dir), st.st_dev);
}

bool PrivateShm::stillOurs() const {
    struct stat st;
    return fstat(dir_.get(), &st) == 0 && st.st_dev == dev_ && isTmpfs(dir_.get());
}

std::vector<std::string> PrivateShm::names() const {
    return stillOurs() ? entries(dir_.get()) : std::vector<std::string>{};
}

bool PrivateShm::remove(const std::string& name) const {
    return stillOurs() && removeAt(dir_.get(), name, dev_, 0);
}

} // namespace forklab
