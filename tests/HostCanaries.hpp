#pragma once
// Entries planted in the host's /dev/shm before a test and proved untouched after it: the same
// inode, the same bytes. Nothing forklab or the program it runs does may remove or change them.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace forklab::test {

class HostCanaries {
  public:
    explicit HostCanaries(int count = 3) {
        for (int i = 0; i < count; ++i) {
            Canary c;
            c.name = "forklab-canary-" + std::to_string(getpid()) + "-" + std::to_string(i);
            c.text = "canary " + std::to_string(i) + " of test process " + std::to_string(getpid());
            std::string path = "/dev/shm/" + c.name;
            int fd = open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
            REQUIRE(fd >= 0);
            REQUIRE(write(fd, c.text.data(), c.text.size()) == ssize_t(c.text.size()));
            struct stat st;
            REQUIRE(fstat(fd, &st) == 0);
            c.inode = st.st_ino;
            close(fd);
            canaries_.push_back(c);
        }
    }
    ~HostCanaries() {
        for (auto& c : canaries_) unlink(("/dev/shm/" + c.name).c_str());
    }
    HostCanaries(const HostCanaries&) = delete;
    HostCanaries& operator=(const HostCanaries&) = delete;

    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (auto& c : canaries_) out.push_back(c.name);
        return out;
    }

    // Every canary is where it was, unchanged.
    void requireIntact() const {
        for (auto& c : canaries_) {
            std::string path = "/dev/shm/" + c.name;
            INFO("host canary " << path);
            struct stat st;
            REQUIRE(stat(path.c_str(), &st) == 0);
            CHECK(st.st_ino == c.inode);
            std::string text(c.text.size() + 16, '\0');
            int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
            REQUIRE(fd >= 0);
            ssize_t n = read(fd, text.data(), text.size());
            close(fd);
            CHECK(text.substr(0, size_t(std::max<ssize_t>(n, 0))) == c.text);
        }
    }

  private:
    struct Canary {
        std::string name, text;
        ino_t inode = 0;
    };
    std::vector<Canary> canaries_;
};

} // namespace forklab::test
