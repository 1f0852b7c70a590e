// forkserver-ps: the seed's `ps -aef` experiment. While the child runs, how many processes are
// there? fork: parent and child. spawn: also the tracker. forkserver: also the server, whose
// child the child is.
#include "Lesson.hpp"

#include <unistd.h>

namespace forklab::lessons {
namespace {

int child(const launch::Args&) {
    launch::keyStep("the child is running: count the processes");
    say("child %d: my parent is %d", getpid(), getppid());
    return 0;
}
FORKLAB_TARGET("forkserver-ps.child", child);

int lesson(StartMethod method, const std::string&) {
    launch::Process p(method, "forkserver-ps.child");
    if (!p.start()) return 1;
    say("parent %d: started child %d", getpid(), p.pid());
    p.join();
    launch::step("the parent has joined its child");
    return 0;
}
FORKLAB_LESSON("forkserver-ps", lesson);

} // namespace
} // namespace forklab::lessons
