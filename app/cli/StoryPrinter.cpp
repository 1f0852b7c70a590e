#include "StoryPrinter.hpp"

#include "core/trace/Story.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

namespace forklab::cli {

namespace {
std::atomic<bool> interrupted{false};
}

int tellRun(const SandboxOptions& options, Trace& trace, std::ostream& out, bool quiet) {
    Sandbox sandbox(options, trace);
    sandbox.start();
    struct sigaction sa {
    }, oldInt{}, oldTerm{};
    sa.sa_handler = [](int) { interrupted = true; };
    sigaction(SIGINT, &sa, &oldInt);
    sigaction(SIGTERM, &sa, &oldTerm);
    Story story(trace);
    while (!sandbox.finished()) {
        if (interrupted.exchange(false)) sandbox.stop();
        if (!quiet) story.feed(trace.size(), out);
        out.flush();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    int code = sandbox.wait();
    sigaction(SIGINT, &oldInt, nullptr);
    sigaction(SIGTERM, &oldTerm, nullptr);
    if (!quiet) story.feed(trace.size(), out);
    story.summary(out);
    out.flush();
    return code;
}

} // namespace forklab::cli
