#include "ShmJournal.hpp"

#include "core/probe/ProcStatus.hpp"

#include <atomic>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace forklab {
namespace {

std::string journalDir() {
    std::string dir =
        access("/run", W_OK) == 0 ? "/run/forklab" : "/tmp/forklab-" + std::to_string(getuid());
    mkdir(dir.c_str(), 0700);
    return dir;
}

uint64_t startTimeOf(pid_t pid) {
    auto dir = ProcDir::open(pid);
    if (!dir) return 0;
    return readStartTime(*dir).value_or(0);
}

} // namespace

ShmJournal::ShmJournal() {
    static std::atomic<int> seq{0};
    pid_t me = getpid();
    path_ = journalDir() + "/" + std::to_string(me) + "." + std::to_string(startTimeOf(me)) + "." +
            std::to_string(seq++) + ".shm-journal";
    fd_.reset(open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600));
}

ShmJournal::~ShmJournal() {
    if (fd_) unlink(path_.c_str());
}

void ShmJournal::record(const std::string& name) {
    if (!fd_ || name.empty() || name.find('/') != std::string::npos) return;
    std::string line = name + "\n";
    (void)!write(fd_.get(), line.data(), line.size());
}

std::vector<std::string> ShmJournal::recoverStale() {
    std::vector<std::string> report;
    std::string dir = journalDir();
    DIR* d = opendir(dir.c_str());
    if (!d) return report;
    while (dirent* e = readdir(d)) {
        std::string file = e->d_name;
        if (file.size() < 12 || file.substr(file.size() - 12) != ".shm-journal") continue;
        pid_t pid = atoi(file.c_str());
        auto dot = file.find('.');
        uint64_t start =
            dot == std::string::npos ? 0 : strtoull(file.c_str() + dot + 1, nullptr, 10);
        if (pid > 0 && startTimeOf(pid) == start && start != 0) continue; // its forklab lives
        std::ifstream in(dir + "/" + file);
        std::string name;
        while (std::getline(in, name)) {
            if (name.empty() || name.find('/') != std::string::npos) continue;
            std::string path = "/dev/shm/" + name;
            if (unlink(path.c_str()) == 0)
                report.push_back("removed /dev/shm/" + name + " left behind by forklab pid " +
                                 std::to_string(pid));
        }
        unlink((dir + "/" + file).c_str());
    }
    closedir(d);
    return report;
}

} // namespace forklab
