#include "ProcDir.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <fcntl.h>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace forklab {

namespace {

// The kernel's record for getdents64 (glibc declares no type for it).
struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[256]; // really d_reclen - 19 bytes, NUL-terminated
};

int openDir(const std::string& path) {
    return ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

// Appends what is left of fd to out; false on an error (ESRCH: the task went away between the
// open and the read).
bool readToEnd(int fd, std::string& out) {
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            out.append(buf, size_t(n));
        } else if (n == 0) {
            return true;
        } else if (errno != EINTR) {
            return false;
        }
    }
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
    return readToEnd(f.get(), out) ? std::optional(std::move(out)) : std::nullopt;
}

std::optional<std::string> ProcDir::readShown(const char* rel) const {
    ScopedFd f(::openat(fd(), rel, O_RDONLY | O_CLOEXEC));
    if (!f) return std::nullopt;
    char buf[8192];
    ssize_t n;
    while ((n = ::read(f.get(), buf, sizeof buf)) < 0 && errno == EINTR) {
    }
    if (n < 0) return std::nullopt; // ESRCH: the task went away between open and read
    std::string out(buf, size_t(n));
    if (size_t(n) < sizeof buf) return out; // one show(), all of it
    // Longer than the buffer: read on to the end.
    return readToEnd(f.get(), out) ? std::optional(std::move(out)) : std::nullopt;
}

std::optional<std::string> ProcDir::readLink(const char* rel) const {
    // /proc/PID/fd/N links report st_size 0: try a stack buffer, then grow until the target fits.
    char first[4096];
    ssize_t n = ::readlinkat(fd(), rel, first, sizeof first);
    if (n < 0) return std::nullopt;
    if (size_t(n) < sizeof first) return std::string(first, size_t(n));
    for (size_t size = 2 * sizeof first; size <= 65536; size *= 2) {
        std::string buf(size, '\0');
        n = ::readlinkat(fd(), rel, buf.data(), size);
        if (n < 0) return std::nullopt;
        if (size_t(n) < size) {
            buf.resize(size_t(n));
            return buf;
        }
    }
    return std::nullopt;
}

std::optional<std::vector<int>> ProcDir::listNumbers(const char* rel) const {
    // getdents64 into a stack buffer, not opendir (which fcntl()s, fstat()s and mallocs 32 KiB).
    // It reads on until getdents64 returns 0: a short return is no end of the listing, since
    // the kernel stops filling early when the caller has a signal pending (fs/readdir.c,
    // filldir64), and the tracer thread takes a periodic wake-up signal.
    ScopedFd dir(::openat(fd(), rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) return std::nullopt;
    const int dfd = dir.get();
    alignas(8) char buf[16384];
    std::vector<int> out;
    for (;;) {
        long got = ::syscall(SYS_getdents64, dfd, buf, sizeof buf);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return std::nullopt; // ENOENT once the task is gone
        if (got == 0) break;
        for (long at = 0; at < got;) {
            auto* e = reinterpret_cast<const linux_dirent64*>(buf + at);
            if (e->d_reclen == 0 || e->d_reclen > got - at) return std::nullopt; // never
            at += e->d_reclen;
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
    }
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace forklab
