#include "TraceIndex.hpp"

#include <algorithm>

namespace forklab {

bool TraceIndex::update(const Trace& trace, size_t budget) {
    const size_t end = std::min(trace.size(), indexed_ + std::min(budget, SIZE_MAX - indexed_));
    if (end == indexed_) return false;
    for (size_t i = indexed_; i < end; ++i) {
        const Event& e = trace[i];
        endTime_ = std::max(endTime_, e.t);
        if (isStepEvent(e)) {
            steps_.push_back(i);
            if (e.kind == EventKind::Marker) {
                markers_.push_back(i);
                if (e.as<ev::Marker>().key && !key_) key_ = i;
            }
        }
        if (e.kind == EventKind::Annotation) annotations_.push_back(i);
        if (e.kind == EventKind::PipeWrite) pipeWrites_.push_back(i);
        if (isStepEvent(e) || e.kind == EventKind::Output) {
            if (e.pid) tracks_[e.pid].push_back(i);
            // A fork also belongs on the child's track: it is where the child's life begins.
            if (auto* f = e.get<ev::Fork>(); f && f->how != ForkKind::Thread)
                tracks_[f->child].push_back(i);
            // A kill is also a moment in the target's life.
            if (auto* k = e.get<ev::Kill>(); k && k->target > 0 && k->target != e.pid)
                tracks_[k->target].push_back(i);
        }
    }
    indexed_ = end;
    return true;
}

const std::vector<size_t>& TraceIndex::track(pid_t pid) const {
    static const std::vector<size_t> kNone;
    auto it = tracks_.find(pid);
    return it == tracks_.end() ? kNone : it->second;
}

size_t TraceIndex::stepsBefore(size_t upto) const {
    return size_t(std::lower_bound(steps_.begin(), steps_.end(), upto) - steps_.begin());
}

size_t TraceIndex::markersBefore(size_t upto) const {
    return size_t(std::lower_bound(markers_.begin(), markers_.end(), upto) - markers_.begin());
}

size_t TraceIndex::firstAtOrAfter(const Trace& trace, int64_t t) const {
    size_t lo = 0, hi = indexed_;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (trace[mid].t < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

} // namespace forklab
