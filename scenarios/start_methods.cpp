// start-methods: one child under each method, and the process tree each one builds.
#include "Lesson.hpp"

#include <unistd.h>

namespace forklab::lessons {
namespace {

int child(const launch::Args&) {
    launch::step("the child runs its target");
    say("child %d: running my target; my parent is %d", getpid(), getppid());
    return 0;
}
FORKLAB_TARGET("start-methods.child", child);

int lesson(StartMethod method, const std::string&) {
    // The key step comes before the start: once the child exists, the tree answers the question.
    launch::keyStep("the parent is about to start a child");
    launch::Process p(method, "start-methods.child");
    if (!p.start()) return 1;
    say("parent %d: started child %d with %s", getpid(), p.pid(), toString(method));
    auto code = p.join();
    launch::step("the parent has joined its child");
    say("parent: the child exited with %d", code.value_or(-1));
    return 0;
}
FORKLAB_LESSON("start-methods", lesson);

} // namespace
} // namespace forklab::lessons
