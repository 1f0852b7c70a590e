#include "Runtime.hpp"

#include "ForkServer.hpp"
#include "SemaphoreTracker.hpp"

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <unistd.h>

namespace forklab::launch {
namespace {

std::map<std::string, TargetFn>& targets() {
    static std::map<std::string, TargetFn> t;
    return t;
}

int g_trackerFd = -1;

// "key=value" arguments of the helper modes.
int argFd(int argc, char** argv, const char* key) {
    size_t n = strlen(key);
    for (int i = 2; i < argc; ++i)
        if (strncmp(argv[i], key, n) == 0 && argv[i][n] == '=') return atoi(argv[i] + n + 1);
    return -1;
}

bool hasArg(int argc, char** argv, const char* flag) {
    for (int i = 2; i < argc; ++i)
        if (strcmp(argv[i], flag) == 0) return true;
    return false;
}

// A spawn child: a fresh process image. Globals hold their initial values, whatever the parent
// had changed before starting it.
int spawnChildMain(int argc, char** argv) {
    setTrackerFd(argFd(argc, argv, "tracker"));
    int data = argFd(argc, argv, "data");
    std::string target;
    Args args;
    if (data < 0 || !readCall(data, &target, &args)) {
        fprintf(stderr, "forklab spawn child: no valid call on the data pipe\n");
        return 120;
    }
    close(data);
    return runTarget(target, args);
}

} // namespace

void registerTarget(const std::string& name, TargetFn fn) {
    targets()[name] = fn;
}

int runTarget(const std::string& name, const Args& args) {
    auto it = targets().find(name);
    if (it == targets().end()) {
        fprintf(stderr, "forklab: no target named %s\n", name.c_str());
        return 121;
    }
    return it->second(args);
}

const std::string& selfExe() {
    static const std::string path = [] {
        char buf[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
        return n > 0 ? std::string(buf, size_t(n)) : std::string();
    }();
    return path;
}

int trackerFd() {
    return g_trackerFd;
}
void setTrackerFd(int fd) {
    g_trackerFd = fd;
}

Args substituteFds(const Args& args, const std::vector<int>& fds) {
    Args out = args;
    for (auto& a : out)
        for (size_t i = 0; i < fds.size(); ++i)
            if (a == "{fd" + std::to_string(i) + "}") a = std::to_string(fds[i]);
    return out;
}

std::string encodeCall(const std::string& target, const Args& args) {
    std::string out = "forklab-call 1\n";
    auto field = [&](const std::string& s) { out += std::to_string(s.size()) + ":" + s + "\n"; };
    field(target);
    out += std::to_string(args.size()) + "\n";
    for (auto& a : args) field(a);
    return out;
}

bool decodeCall(const std::string& data, std::string* target, Args* args) {
    size_t at = 0;
    auto line = [&](std::string* out) {
        size_t nl = data.find('\n', at);
        if (nl == std::string::npos) return false;
        *out = data.substr(at, nl - at);
        at = nl + 1;
        return true;
    };
    auto field = [&](std::string* out) {
        size_t colon = data.find(':', at);
        if (colon == std::string::npos) return false;
        size_t len = strtoul(data.c_str() + at, nullptr, 10);
        if (colon + 1 + len + 1 > data.size() || data[colon + 1 + len] != '\n') return false;
        *out = data.substr(colon + 1, len);
        at = colon + 1 + len + 1;
        return true;
    };
    std::string magic, count;
    if (!line(&magic) || magic != "forklab-call 1" || !field(target) || !line(&count)) return false;
    size_t n = strtoul(count.c_str(), nullptr, 10);
    if (n > 1024) return false;
    args->resize(n);
    for (auto& a : *args)
        if (!field(&a)) return false;
    return at == data.size();
}

bool readCall(int fd, std::string* target, Args* args) {
    std::string data;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        data.append(buf, size_t(n));
        if (data.size() > (1u << 20)) return false;
    }
    return decodeCall(data, target, args);
}

int dispatchHelperModes(int argc, char** argv) {
    if (argc < 2) return -1;
    if (strcmp(argv[1], kSpawnChildFlag) == 0) return spawnChildMain(argc, argv);
    if (strcmp(argv[1], kForkserverFlag) == 0)
        return forkServerMain(argFd(argc, argv, "listener"), argFd(argc, argv, "alive"));
    if (strcmp(argv[1], kTrackerFlag) == 0)
        return trackerMain(argFd(argc, argv, "fd"), hasArg(argc, argv, "eager"));
    return -1;
}

} // namespace forklab::launch
