#include "TraceeMemory.hpp"

#include <algorithm>
#include <sys/uio.h>
#include <vector>

namespace forklab {

std::string TraceeMemory::read(uint64_t addr, size_t len) const {
    std::string out;
    if (addr == 0 || len == 0) return out;
    out.resize(len);
    size_t got = 0;
    while (got < len) {
        // Stop at page boundaries so a partly unmapped range still yields its readable prefix.
        size_t page = 4096 - ((addr + got) & 4095);
        size_t n = std::min(len - got, page);
        iovec local{out.data() + got, n};
        iovec remote{reinterpret_cast<void*>(addr + got), n};
        ssize_t r = process_vm_readv(tid_, &local, 1, &remote, 1, 0);
        if (r <= 0) break;
        got += size_t(r);
        if (size_t(r) < n) break;
    }
    out.resize(got);
    return out;
}

std::string TraceeMemory::readString(uint64_t addr, size_t max) const {
    std::string out;
    while (out.size() < max) {
        size_t chunk = std::min<size_t>(256 - ((addr + out.size()) & 255), max - out.size());
        std::string part = read(addr + out.size(), chunk);
        auto nul = part.find('\0');
        if (nul != std::string::npos) return out + part.substr(0, nul);
        out += part;
        if (part.size() < chunk) break;
    }
    return out;
}

std::string TraceeMemory::readIovec(uint64_t iovAddr, int count, size_t max, size_t* total) const {
    std::string out;
    *total = 0;
    if (count <= 0 || count > 1024) return out;
    std::string raw = read(iovAddr, sizeof(iovec) * size_t(count));
    size_t n = raw.size() / sizeof(iovec);
    std::vector<iovec> iov(n);
    std::copy_n(raw.data(), n * sizeof(iovec), reinterpret_cast<char*>(iov.data()));
    for (auto& v : iov) {
        *total += v.iov_len;
        if (out.size() < max)
            out +=
                read(reinterpret_cast<uint64_t>(v.iov_base), std::min(v.iov_len, max - out.size()));
    }
    return out;
}

} // namespace forklab
