#include "Sandbox.hpp"

#include "Tracer.hpp"
#include "WakeTimer.hpp"

#include <cstdlib>
#include <mutex>
#include <sstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace forklab {

struct Sandbox::State {
    SandboxOptions options;
    Trace& trace;
    std::string path;
    TracerControl control;
    std::thread thread;
    std::mutex joinMutex;
    State(SandboxOptions o, Trace& t) : options(std::move(o)), trace(t) {}
};

Sandbox::Sandbox(SandboxOptions options, Trace& trace)
    : s_(std::make_unique<State>(std::move(options), trace)) {}

Sandbox::~Sandbox() {
    stop();
    wait();
}

std::string Sandbox::resolveProgram(const std::string& name) {
    auto executable = [](const std::string& p) {
        struct stat st;
        return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(p.c_str(), X_OK) == 0;
    };
    if (name.empty()) return {};
    if (name.find('/') != std::string::npos) return executable(name) ? name : std::string();
    const char* env = getenv("PATH");
    std::stringstream dirs(env ? env : "/usr/local/bin:/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        std::string p = (dir.empty() ? std::string(".") : dir) + "/" + name;
        if (executable(p)) return p;
    }
    return {};
}

void Sandbox::start() {
    if (s_->options.argv.empty()) throw LaunchError(2, "no command given");
    const std::string& prog = s_->options.argv[0];
    s_->path = resolveProgram(prog);
    if (s_->path.empty()) {
        struct stat st;
        bool exists = prog.find('/') != std::string::npos && stat(prog.c_str(), &st) == 0;
        if (exists) throw LaunchError(126, prog + ": is not an executable file");
        throw LaunchError(127, prog + ": command not found");
    }
    s_->thread =
        std::thread([s = s_.get()] { runTracer(s->options, s->path, s->trace, s->control); });
}

int Sandbox::wait() {
    std::lock_guard lock(s_->joinMutex);
    if (s_->thread.joinable()) s_->thread.join();
    return s_->control.exitCode;
}

bool Sandbox::finished() const {
    return s_->control.done;
}

bool Sandbox::waitFor(std::chrono::milliseconds most) {
    std::unique_lock lock(s_->control.doneMutex);
    return s_->control.doneCv.wait_for(lock, most, [this] { return s_->control.done.load(); });
}

void Sandbox::stop() {
    s_->control.stopRequested = true;
    if (!s_->control.done) WakeTimer::poke(s_->control.tracerTid);
}

void Sandbox::step() {
    s_->control.stepRequested = true;
    if (!s_->control.done) WakeTimer::poke(s_->control.tracerTid);
}

bool Sandbox::held() const {
    return s_->control.held;
}

uint64_t Sandbox::gatesEntered() const {
    return s_->control.gates;
}

std::string Sandbox::launchProblem() const {
    return s_->control.done ? s_->control.launchProblem : std::string();
}

int runSandbox(SandboxOptions options, Trace& trace) {
    Sandbox sandbox(std::move(options), trace);
    sandbox.start();
    return sandbox.wait();
}

} // namespace forklab
