#include "Steps.hpp"

#include <cstdlib>

namespace forklab {

bool isStepEvent(const Event& e) {
    switch (e.kind) {
    case EventKind::Fork:
        return e.as<ev::Fork>().how != ForkKind::Thread;
    case EventKind::Exec:
    case EventKind::Exit:
    case EventKind::Deadlock:
    case EventKind::ShmCreate:
    case EventKind::ShmUnlink:
    case EventKind::Kill:
    case EventKind::Leak:
    case EventKind::Marker:
    case EventKind::KilledBySandbox:
        return true;
    default:
        return false;
    }
}

size_t settle(const Trace& trace, size_t stepEvent, size_t end) {
    const size_t n = std::min(end, trace.size());
    size_t i = stepEvent + 1;
    for (; i < n; ++i) {
        const Event& e = trace[i];
        const auto* snap = e.get<ev::Snapshot>();
        // What the recorder attached to the step: the frozen sandbox's snapshots at a marker, a
        // new child's record and inherited table, the names the recorder gave what they show.
        // (An exit or exec stop's snapshot belongs to the next step.)
        const bool attached =
            e.kind == EventKind::Proc || e.kind == EventKind::Annotation ||
            (snap && (snap->reason == SnapReason::Marker || snap->reason == SnapReason::Fork));
        if (!attached) break;
    }
    return std::min(i, n);
}

StepIndex StepIndex::build(const Trace& trace) {
    StepIndex s;
    size_t n = trace.size();
    for (size_t i = 0; i < n; ++i) {
        const Event& e = trace[i];
        if (!isStepEvent(e)) continue;
        s.steps.push_back(i);
        if (e.kind == EventKind::Marker) {
            s.markers.push_back(i);
            if (e.as<ev::Marker>().key && !s.key) s.key = i;
        }
    }
    return s;
}

std::optional<size_t> StepIndex::resolve(const std::string& spec, std::string* error) const {
    const auto& list = gotoSteps();
    auto fail = [&](const std::string& why) -> std::optional<size_t> {
        if (error) *error = why;
        return std::nullopt;
    };
    if (list.empty()) return fail("the trace has no steps");
    if (spec == "key") {
        if (!key) return fail("this trace has no key step (only lessons flag one)");
        return *key;
    }
    if (spec == "last") return list.back();
    if (spec == "first") return list.front();
    char* end = nullptr;
    long n = strtol(spec.c_str(), &end, 10);
    if (spec.empty() || *end != '\0' || n < 1)
        return fail("step must be a number from 1, 'key' or 'last' (got '" + spec + "')");
    return list[std::min(size_t(n), list.size()) - 1];
}

} // namespace forklab
