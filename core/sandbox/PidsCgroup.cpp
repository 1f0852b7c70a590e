#include "PidsCgroup.hpp"

#include "core/base/WriteFile.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace forklab {
namespace {

// The pids controller's mount: v1 "pids" hierarchy, or a v2 tree that offers "pids".
std::string pidsRoot() {
    for (const char* v1 : {"/sys/fs/cgroup/pids"}) {
        if (access((std::string(v1) + "/cgroup.procs").c_str(), W_OK) == 0) return v1;
    }
    for (const char* v2 : {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"}) {
        std::string ctl = std::string(v2) + "/cgroup.controllers";
        int fd = open(ctl.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        char buf[512] = {};
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n > 0 && std::string_view(buf, n).find("pids") != std::string_view::npos) {
            writeWholeFile(std::string(v2) + "/cgroup.subtree_control", "+pids");
            return v2;
        }
    }
    return {};
}

} // namespace

std::optional<PidsCgroup> PidsCgroup::create(int maxTasks) {
    static std::atomic<int> seq{0};
    std::string root = pidsRoot();
    if (root.empty()) return std::nullopt;
    std::string path = root + "/forklab." + std::to_string(getpid()) + "." + std::to_string(seq++);
    if (mkdir(path.c_str(), 0755) != 0) return std::nullopt;
    PidsCgroup cg(path);
    if (!writeWholeFile(path + "/pids.max", std::to_string(maxTasks))) return std::nullopt;
    return cg;
}

PidsCgroup::PidsCgroup(PidsCgroup&& o) noexcept : path_(std::move(o.path_)) {
    o.path_.clear();
}

PidsCgroup& PidsCgroup::operator=(PidsCgroup&& o) noexcept {
    if (this != &o) {
        if (!path_.empty()) rmdir(path_.c_str());
        path_ = std::move(o.path_);
        o.path_.clear();
    }
    return *this;
}

PidsCgroup::~PidsCgroup() {
    if (!path_.empty()) rmdir(path_.c_str());
}

bool PidsCgroup::add(pid_t pid) const {
    return writeWholeFile(path_ + "/cgroup.procs", std::to_string(pid));
}

int PidsCgroup::peak() const {
    int fd = open((path_ + "/pids.peak").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char buf[32] = {};
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    return n > 0 ? atoi(buf) : -1;
}

std::vector<std::string> PidsCgroup::removeStale() {
    std::vector<std::string> said;
    std::string root = pidsRoot();
    if (root.empty()) return said;
    DIR* d = opendir(root.c_str());
    if (!d) return said;
    while (dirent* e = readdir(d)) {
        std::string_view name = e->d_name;
        if (name.substr(0, 8) != "forklab.") continue;
        pid_t owner = atoi(std::string(name.substr(8)).c_str());
        if (owner > 0 && (owner == getpid() || kill(owner, 0) == 0 || errno == EPERM)) continue;
        std::string path = root + "/" + std::string(name);
        if (rmdir(path.c_str()) == 0) // fails harmlessly while its last tasks are dying
            said.push_back("removed " + path + ", the pids cgroup of a forklab that was killed");
    }
    closedir(d);
    return said;
}

} // namespace forklab
