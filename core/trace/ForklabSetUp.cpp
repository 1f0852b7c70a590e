#include "ForklabSetUp.hpp"

namespace forklab {

SnapId forklabSetUpTable(const Trace& trace, pid_t root) {
    for (size_t i = 0; i < trace.size(); ++i) {
        const Event& e = trace[i];
        if (e.pid != root) continue;
        if (auto* x = e.get<ev::Exec>()) return x->after;
        if (e.kind == EventKind::Exit) break;
    }
    return kNoSnap;
}

} // namespace forklab
