// semaphore-tracker: a child creates a named semaphore and is SIGKILLed before it can unlink it.
// Under spawn and forkserver the tracker unlinks it once its last writer is gone; under fork the
// name was unlinked at creation. Variants: "tracker-killed" (the parent SIGKILLs the tracker
// first: the leak stays) and "eager" (the tracker unlinks as soon as the creator dies).
#include "Lesson.hpp"

#include "core/launch/NamedSemaphore.hpp"
#include "core/launch/SemaphoreTracker.hpp"

#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace forklab::lessons {
namespace {

int child(const launch::Args& args) {
    auto method = parseStartMethod(args.at(0)).value_or(StartMethod::Fork);
    int ready = atoi(args.at(1).c_str());
    launch::NamedSemaphore sem(method, 1);
    if (!sem.valid()) return 1;
    say("child %d: created semaphore %s", getpid(), sem.name().c_str());
    launch::step("the child created a named semaphore");
    char c = 1;
    (void)!write(ready, &c, 1);
    for (;;) pause(); // until killed: its finalizer never runs
}
FORKLAB_TARGET("semaphore-tracker.child", child);

int lesson(StartMethod method, const std::string& variant) {
    bool trackerKilled = variant == "tracker-killed";
    if (method != StartMethod::Fork && variant == "eager") launch::ensureTracker(true);
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) != 0) return 1;
    launch::Process p(method, "semaphore-tracker.child", {toString(method), "{fd0}"});
    p.passFd(ready[1]);
    if (!p.start()) return 1;
    close(ready[1]);
    pollfd pf{ready[0], POLLIN, 0};
    if (launch::pollRunning(&pf, 1, 10'000) != 1) {
        say("parent: the child never said it was ready");
        p.kill(SIGKILL);
        p.join();
        return 1;
    }
    if (trackerKilled) {
        if (pid_t tracker = launch::trackerPid()) {
            launch::step("the parent SIGKILLs the tracker");
            kill(tracker, SIGKILL);
        } else {
            say("parent: there is no tracker to kill under %s", toString(method));
        }
    }
    launch::step("the parent SIGKILLs the child");
    p.kill(SIGKILL);
    p.join();
    launch::keyStep("the child is dead: is its semaphore still there?");
    sleepMs(200);
    launch::step("the parent exits");
    return 0;
}
FORKLAB_LESSON("semaphore-tracker", lesson);

} // namespace
} // namespace forklab::lessons
