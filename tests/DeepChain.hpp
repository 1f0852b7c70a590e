#pragma once
// A fork chain as deep as a program can make one, without running it: process kChainFirst forks
// kChainFirst+1, which forks kChainFirst+2, ... `depth` processes; then all exit, deepest first.
#include "core/trace/Trace.hpp"

namespace forklab::test {

constexpr pid_t kChainFirst = 1000;

inline void makeChain(Trace& t, int depth) {
    int64_t at = 1000;
    auto add = [&](pid_t pid, EventKind kind, Payload data) {
        t.append(Event{at++, pid, kind, std::move(data)});
    };
    add(0, EventKind::RunStart, ev::RunStart{t.intern("chain"), 0, depth + 10, 0, 1000});
    StrId name = t.intern("chain");
    add(kChainFirst, EventKind::Proc, ev::Proc{1, 0, Role::Program, ForkKind::Fork, name});
    for (pid_t p = kChainFirst; p < kChainFirst + depth - 1; ++p) {
        add(p, EventKind::Fork, ev::Fork{p + 1, ForkKind::Fork});
        add(p + 1, EventKind::Proc, ev::Proc{p + 1, p, Role::Program, ForkKind::Fork, name});
    }
    for (pid_t p = kChainFirst + depth - 1; p >= kChainFirst; --p)
        add(p, EventKind::Exit, ev::Exit{WaitStatus::forExit(0)});
    add(0, EventKind::RunEnd, ev::RunEnd{EndReason::AllExited, WaitStatus::forExit(0), 0});
}

} // namespace forklab::test
