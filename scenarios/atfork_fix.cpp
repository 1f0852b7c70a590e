// atfork-fix: the mutex-after-fork setup, with pthread_atfork handlers: fork waits until it can
// take log_lock itself (prepare), so the child's copy is one the child holds and unlocks.
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
    sleepMs(300); // busy with the lock for a while, then done
    pthread_mutex_unlock(&log_lock);
    return nullptr;
}

void prepare() {
    pthread_mutex_lock(&log_lock);
}
void release() {
    pthread_mutex_unlock(&log_lock);
}

int child(const launch::Args&) {
    launch::nameMutex("log_lock", &log_lock);
    launch::keyStep("the child locks log_lock");
    pthread_mutex_lock(&log_lock);
    say("child: got log_lock");
    pthread_mutex_unlock(&log_lock);
    return 0;
}
FORKLAB_TARGET("atfork-fix.child", child);

int lesson(StartMethod method, const std::string&) {
    launch::nameMutex("log_lock", &log_lock);
    pthread_atfork(prepare, release, release);
    if (pipe(g_locked) != 0) return 1;
    pthread_t t;
    pthread_create(&t, nullptr, holder, nullptr);
    char c;
    if (read(g_locked[0], &c, 1) != 1) return 1;
    launch::step("a second thread holds log_lock; the parent starts a child");
    launch::Process p(method, "atfork-fix.child");
    if (!p.start()) return 1;
    auto code = p.join(5000);
    say("parent: the child exited with %d", code.value_or(-1));
    pthread_join(t, nullptr);
    return 0;
}
FORKLAB_LESSON("atfork-fix", lesson);

} // namespace
} // namespace forklab::lessons
