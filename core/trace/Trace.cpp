#include "Trace.hpp"

namespace forklab {

Trace::Trace() {
    strings_.push_back(std::string());
}

size_t Trace::append(Event e) {
    return events_.push_back(std::move(e));
}

StrId Trace::intern(std::string_view s) {
    if (s.empty()) return 0;
    auto [it, inserted] = interned_.try_emplace(std::string(s), 0);
    if (inserted) it->second = StrId(strings_.push_back(std::string(s)));
    return it->second;
}

SnapId Trace::addSnapshot(ProcessSnapshot s) {
    return SnapId(snapshots_.push_back(std::move(s)));
}

bool Trace::finished() const {
    size_t n = size();
    return n > 0 && events_[n - 1].kind == EventKind::RunEnd;
}

} // namespace forklab
