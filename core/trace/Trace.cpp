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
    auto it = interned_.find(s);
    if (it != interned_.end()) return it->second;
    StrId id = StrId(strings_.push_back(std::string(s)));
    interned_.emplace(strings_[id], id);
    return id;
}

SnapId Trace::addSnapshot(ProcessSnapshot s) {
    tables_.shareTables(s);
    return SnapId(snapshots_.push_back(std::move(s)));
}

SnapId Trace::addPooledSnapshot(ProcessSnapshot s) {
    return SnapId(snapshots_.push_back(std::move(s)));
}

const ev::RunStart* Trace::runStart() const {
    return size() > 0 ? events_[0].get<ev::RunStart>() : nullptr;
}

bool Trace::finished() const {
    size_t n = size();
    return n > 0 && events_[n - 1].kind == EventKind::RunEnd;
}

} // namespace forklab
