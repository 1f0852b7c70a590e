#pragma once
// One write of a whole small file that already exists: the kernel's control files (uid_map,
// setgroups, pids.max, cgroup.procs) take their text in one write or refuse it.
#include <fcntl.h>
#include <string>
#include <string_view>
#include <unistd.h>

namespace forklab {

inline bool writeWholeFile(const char* path, std::string_view text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = write(fd, text.data(), text.size()) == ssize_t(text.size());
    close(fd);
    return ok;
}
inline bool writeWholeFile(const std::string& path, std::string_view text) {
    return writeWholeFile(path.c_str(), text);
}

} // namespace forklab
