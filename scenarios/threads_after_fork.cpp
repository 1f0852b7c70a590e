// threads-after-fork: the parent runs four threads when it starts a child. How many threads does
// the child have?
#include "Lesson.hpp"

#include <pthread.h>
#include <unistd.h>

namespace forklab::lessons {
namespace {

int g_release[2];

void* worker(void*) {
    char c;
    (void)!read(g_release[0], &c, 1); // parked until the parent is done
    return nullptr;
}

int child(const launch::Args&) {
    launch::keyStep("the child counts its threads");
    return 0;
}
FORKLAB_TARGET("threads-after-fork.child", child);

int lesson(StartMethod method, const std::string&) {
    if (pipe(g_release) != 0) return 1;
    pthread_t t[4];
    for (auto& th : t) pthread_create(&th, nullptr, worker, nullptr);
    launch::step("the parent runs four threads besides its main thread");
    launch::Process p(method, "threads-after-fork.child");
    if (!p.start()) return 1;
    p.join();
    close(g_release[1]); // EOF wakes every worker
    for (auto& th : t) pthread_join(th, nullptr);
    launch::step("the parent has joined its child and its threads");
    return 0;
}
FORKLAB_LESSON("threads-after-fork", lesson);

} // namespace
} // namespace forklab::lessons
