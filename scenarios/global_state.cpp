// global-state: the seed's Test.value. The parent changes a global from 777 to 999, then starts
// a child that prints it. fork copies memory (999); spawn and forkserver start from a fresh image
// of the program, where the global still has its initial value (777).
#include "Lesson.hpp"

namespace forklab::lessons {
namespace {

struct Test {
    static int value;
};
int Test::value = 777;

int child(const launch::Args&) {
    launch::keyStep("the child reads Test.value");
    say("Test.value = %d", Test::value);
    return 0;
}
FORKLAB_TARGET("global-state.child", child);

int lesson(StartMethod method, const std::string&) {
    Test::value = 999;
    launch::step("the parent set Test.value = 999");
    launch::Process p(method, "global-state.child");
    if (!p.start()) return 1;
    p.join();
    launch::step("the parent has joined its child");
    return 0;
}
FORKLAB_LESSON("global-state", lesson);

} // namespace
} // namespace forklab::lessons
