#include "Runtime.hpp"

#include "ForkServer.hpp"
#include "SemaphoreTracker.hpp"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <unistd.h>

namespace forklab::launch {
namespace {

std::map<std::string, TargetFn, std::less<>>& targets() {
    static std::map<std::string, TargetFn, std::less<>> t;
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
    if (data < 0) return 120;
    return runCall(data, {}); // the parent substituted the fds: they keep their numbers
}

// "123" then `term` at *at: the number, *at past the terminator. At most 7 digits.
bool number(std::string_view d, size_t* at, char term, size_t* out) {
    size_t v = 0, i = *at;
    for (; i < d.size() && d[i] >= '0' && d[i] <= '9'; ++i) {
        if (i - *at >= 7) return false;
        v = v * 10 + size_t(d[i] - '0');
    }
    if (i == *at || i >= d.size() || d[i] != term) return false;
    *out = v;
    *at = i + 1;
    return true;
}

bool field(std::string_view d, size_t* at, std::string_view* out) {
    size_t len = 0;
    if (!number(d, at, ':', &len) || len >= d.size() - *at || d[*at + len] != '\n') return false;
    *out = d.substr(*at, len);
    *at += len + 1;
    return true;
}

} // namespace

void registerTarget(const std::string& name, TargetFn fn) {
    targets()[name] = fn;
}

int runTarget(std::string_view name, const Args& args) {
    auto it = targets().find(name);
    if (it == targets().end()) {
        fprintf(stderr, "forklab: no target named %.*s\n", int(name.size()), name.data());
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

bool decodeCall(std::string_view data, CallView* call) {
    constexpr std::string_view magic = "forklab-call 1\n";
    if (data.substr(0, magic.size()) != magic) return false;
    size_t at = magic.size(), n = 0;
    if (!field(data, &at, &call->target) || !number(data, &at, '\n', &n) || n > 1024) return false;
    call->args.resize(n);
    for (auto& a : call->args)
        if (!field(data, &at, &a)) return false;
    return at == data.size();
}

int runCall(int fd, const std::vector<int>& fds) {
    // The call is read into the stack, the heap only for a long one: a forked child that
    // allocates writes its parent's heap and malloc's state, each page a copy-on-write fault.
    char small[512];
    std::string large;
    size_t got = 0;
    for (;;) {
        char* to = large.empty() ? small + got : large.data() + got;
        size_t room = (large.empty() ? sizeof small : large.size()) - got;
        if (room == 0) {
            if (got >= (1u << 20)) return 120;
            if (large.empty()) large.assign(small, got);
            large.resize(got * 2);
            continue;
        }
        ssize_t r = read(fd, to, room);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return 120;
        if (r == 0) break;
        got += size_t(r);
    }
    close(fd);
    CallView call;
    if (!decodeCall(std::string_view(large.empty() ? small : large.data(), got), &call)) {
        fprintf(stderr, "forklab child: no valid call on the data pipe\n");
        return 120;
    }
    Args args(call.args.begin(), call.args.end());
    if (!fds.empty()) args = substituteFds(args, fds);
    return runTarget(call.target, args);
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
