#include "TablePool.hpp"

#include <functional>
#include <string_view>

namespace forklab {

namespace {

uint64_t mix(uint64_t h, uint64_t v) {
    // boost::hash_combine's step, widened to 64 bits.
    return h ^ (v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2));
}
uint64_t text(const std::string& s) {
    return std::hash<std::string_view>()(s);
}

uint64_t hashOf(const FdEntry& f) {
    uint64_t h = mix(uint64_t(f.fd), text(f.target));
    h = mix(h, f.inode);
    return mix(h, uint64_t(f.kind) | uint64_t(f.access) << 8 | uint64_t(f.cloexec) << 16 |
                      uint64_t(f.flags) << 24);
}
uint64_t hashOf(const ThreadState& t) {
    uint64_t h = mix(uint64_t(t.tid), uint64_t(t.nstid) << 8 | uint8_t(t.state));
    h = mix(h, text(t.wchan));
    h = mix(h, uint64_t(t.syscall.running) | uint64_t(t.syscall.nr) << 1);
    for (uint64_t a : t.syscall.args) h = mix(h, a);
    return h;
}
uint64_t hashOf(const ShmMapping& m) {
    return mix(mix(mix(text(m.path), m.dev), m.inode), m.start);
}

} // namespace

template <class T>
CowVector<T> TablePool::Set<T>::share(const std::vector<T>& v) {
    if (v.empty()) return {};
    uint64_t h = v.size();
    for (const T& x : v) h = mix(h, hashOf(x));
    auto [first, last] = byHash_.equal_range(h);
    for (auto it = first; it != last; ++it)
        if (it->second.vec() == v) return it->second;
    return byHash_.emplace(h, CowVector<T>(v))->second;
}

template class TablePool::Set<FdEntry>;
template class TablePool::Set<ThreadState>;
template class TablePool::Set<ShmMapping>;

} // namespace forklab
