// mutex-after-fork: a second thread holds log_lock while the main thread starts a child that
// locks it. Under fork the child's copy of the mutex is locked by a thread that does not exist in
// the child: it waits forever. The parent gives up after a while and exits.
#include "Lesson.hpp"

#include <pthread.h>
#include <unistd.h>

namespace forklab::lessons {
namespace {

pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
int g_locked[2];

void* holder(void*) {
    pthread_mutex_lock(&log_lock);
    char c = 1;
    (void)!write(g_locked[1], &c, 1);
    for (;;) pause(); // holds log_lock for the rest of the parent's life
    return nullptr;
}

int child(const launch::Args&) {
    launch::nameMutex("log_lock", &log_lock);
    launch::keyStep("the child locks log_lock");
    pthread_mutex_lock(&log_lock);
    say("child: got log_lock");
    pthread_mutex_unlock(&log_lock);
    return 0;
}
FORKLAB_TARGET("mutex-after-fork.child", child);

int lesson(StartMethod method, const std::string&) {
    launch::nameMutex("log_lock", &log_lock);
    if (pipe(g_locked) != 0) return 1;
    pthread_t t;
    pthread_create(&t, nullptr, holder, nullptr);
    char c;
    if (read(g_locked[0], &c, 1) != 1) return 1;
    launch::step("a second thread holds log_lock; the parent starts a child");
    launch::Process p(method, "mutex-after-fork.child");
    if (!p.start()) return 1;
    auto code = p.join(1500);
    if (!code) {
        launch::step("the parent gives up waiting for the child");
        say("parent: child %d is still stuck after 1.5 s; giving up on it", p.pid());
    } else {
        say("parent: the child exited with %d", *code);
    }
    return 0;
}
FORKLAB_LESSON("mutex-after-fork", lesson);

} // namespace
} // namespace forklab::lessons
