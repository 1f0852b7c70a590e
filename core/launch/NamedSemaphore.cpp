#include "NamedSemaphore.hpp"

#include "SemaphoreTracker.hpp"

#include <fcntl.h>
#include <random>

namespace forklab::launch {

NamedSemaphore::NamedSemaphore(StartMethod context, unsigned value) {
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789_";
    std::random_device rd;
    for (int attempt = 0; attempt < 100 && sem_ == SEM_FAILED; ++attempt) {
        name_ = "/fl-";
        for (int i = 0; i < 8; ++i) name_ += alphabet[rd() % (sizeof alphabet - 1)];
        sem_ = sem_open(name_.c_str(), O_CREAT | O_EXCL, 0600, value);
    }
    if (sem_ == SEM_FAILED) return;
    if (context == StartMethod::Fork) {
        sem_unlink(name_.c_str()); // unlink_now: nobody else needs the name
        return;
    }
    named_ = true;
    ensureTracker();
    trackerRegister(name_);
}

NamedSemaphore::~NamedSemaphore() {
    if (sem_ == SEM_FAILED) return;
    sem_close(sem_);
    if (named_) {
        sem_unlink(name_.c_str());
        trackerUnregister(name_);
    }
}

} // namespace forklab::launch
