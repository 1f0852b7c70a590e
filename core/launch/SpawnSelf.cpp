#include "SpawnSelf.hpp"

#include "Runtime.hpp"

#include <algorithm>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>

extern char** environ;

namespace forklab::launch {

pid_t spawnSelf(const std::vector<std::string>& args, const std::vector<int>& keep) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    // Kept fds: dup2 onto themselves clears their CLOEXEC flag in the child only.
    for (int fd : keep) posix_spawn_file_actions_adddup2(&fa, fd, fd);
    // Everything else that would survive exec is closed: fds the program meant to be inherited
    // do not reach a spawn child (CPython: close_fds=True). CLOEXEC fds are left to exec.
    if (DIR* d = opendir("/proc/self/fd")) {
        int self = dirfd(d);
        while (dirent* e = readdir(d)) {
            int fd = atoi(e->d_name);
            if (e->d_name[0] == '.' || fd <= 2 || fd == self) continue;
            if (std::find(keep.begin(), keep.end(), fd) != keep.end()) continue;
            int flags = fcntl(fd, F_GETFD);
            if (flags >= 0 && !(flags & FD_CLOEXEC)) posix_spawn_file_actions_addclose(&fa, fd);
        }
        closedir(d);
    }
    std::vector<std::string> argv = {selfExe()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> ptrs;
    for (auto& a : argv) ptrs.push_back(a.data());
    ptrs.push_back(nullptr);
    pid_t pid = -1;
    int err = posix_spawn(&pid, selfExe().c_str(), &fa, nullptr, ptrs.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    return err == 0 ? pid : -1;
}

} // namespace forklab::launch
