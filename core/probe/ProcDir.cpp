#include "ProcDir.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <dirent.h>
#include <fcntl.h>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace forklab {

namespace {

int openDir(const std::string& path) {
    return ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

} // namespace

std::optional<ProcDir> ProcDir::open(pid_t pid) {
    if (pid <= 0) return std::nullopt; // /proc/0 and negatives do not name a task
    int fd = openDir("/proc/" + std::to_string(pid));
    if (fd < 0) return std::nullopt;
    return ProcDir(pid, ScopedFd(fd));
}

std::optional<ProcDir> ProcDir::openTask(pid_t pid, pid_t tid) {
    if (pid <= 0 || tid <= 0) return std::nullopt;
    int fd = openDir("/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid));
    if (fd < 0) return std::nullopt;
    return ProcDir(tid, ScopedFd(fd));
}

std::optional<std::string> ProcDir::readFile(const char* rel) const {
    ScopedFd f(::openat(fd(), rel, O_RDONLY | O_CLOEXEC));
    if (!f) return std::nullopt;
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(f.get(), buf, sizeof buf);
        if (n > 0) {
            out.append(buf, size_t(n));
        } else if (n == 0) {
            return out;
        } else if (errno != EINTR) {
            return std::nullopt; // ESRCH: the task went away between open and read
        }
    }
}

std::optional<std::string> ProcDir::readLink(const char* rel) const {
    // /proc/PID/fd/N links report st_size 0, so grow the buffer until the target fits.
    for (size_t size = 256; size <= 65536; size *= 2) {
        std::string buf(size, '\0');
        ssize_t n = ::readlinkat(fd(), rel, buf.data(), size);
        if (n < 0) return std::nullopt;
        if (size_t(n) < size) {
            buf.resize(size_t(n));
            return buf;
        }
    }
    return std::nullopt;
}

std::optional<std::vector<int>> ProcDir::listNumbers(const char* rel) const {
    int dfd = ::openat(fd(), rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return std::nullopt;
    DIR* d = ::fdopendir(dfd);
    if (!d) {
        ::close(dfd);
        return std::nullopt;
    }
    std::vector<int> out;
    bool failed = false;
    for (;;) {
        errno = 0;
        dirent* e = ::readdir(d);
        if (!e) {
            failed = errno != 0; // ENOENT once the task is gone
            break;
        }
        std::string_view name(e->d_name);
        int n = 0;
        auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), n);
        if (ec != std::errc() || end != name.data() + name.size()) continue;
        // Listing our own fd table shows the descriptor doing the listing: leave it out.
        if (n == dfd) {
            struct stat self = {};
            struct stat entry = {};
            std::string path = std::string(rel) + "/" + std::string(name);
            if (::fstat(dfd, &self) == 0 && ::fstatat(fd(), path.c_str(), &entry, 0) == 0 &&
                self.st_dev == entry.st_dev && self.st_ino == entry.st_ino)
                continue;
        }
        out.push_back(n);
    }
    ::closedir(d);
    if (failed) return std::nullopt;
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace forklab
