#pragma once
// A single-writer, many-reader append-only sequence. Elements live in fixed chunks that never
// move, and the size is published with release order after the element is complete, so a reader
// that loads size() may read every element below it while the writer keeps appending.
//
// The chunk directory has two levels allocated as they fill: an empty sequence is a 2 KiB top
// level, not a zeroed table for the largest possible trace (which made every Trace cost 1.5 MiB
// of writes, and the fuzzer ~290 runs/s).
#include <array>
#include <atomic>
#include <cassert>
#include <cstddef>
#include <memory>
#include <new>
#include <stdexcept>
#include <utility>

namespace forklab {

template <class T, size_t ChunkBits = 12, size_t MaxChunks = (1u << 16)>
class AppendOnly {
    static constexpr size_t kLeafBits = 8; // chunks per second-level table: 256
    static constexpr size_t kLeaf = size_t(1) << kLeafBits;
    static_assert(MaxChunks % kLeaf == 0);
    static constexpr size_t kTop = MaxChunks / kLeaf;
    using Leaf = std::array<std::atomic<T*>, kLeaf>;

  public:
    static constexpr size_t kChunk = size_t(1) << ChunkBits;

    AppendOnly() {
        for (auto& l : top_) l.store(nullptr, std::memory_order_relaxed);
    }
    AppendOnly(const AppendOnly&) = delete;
    AppendOnly& operator=(const AppendOnly&) = delete;
    ~AppendOnly() {
        size_t n = size_.load(std::memory_order_relaxed);
        for (size_t i = 0; i < n; ++i) at(i).~T();
        for (auto& l : top_) {
            Leaf* leaf = l.load(std::memory_order_relaxed);
            if (!leaf) break;
            for (auto& c : *leaf) {
                T* p = c.load(std::memory_order_relaxed);
                if (!p) break;
                ::operator delete(static_cast<void*>(p), std::align_val_t(alignof(T)));
            }
            delete leaf;
        }
    }

    // Writer only.
    size_t push_back(T value) {
        size_t n = size_.load(std::memory_order_relaxed);
        size_t c = n >> ChunkBits;
        if (c >= MaxChunks) throw std::length_error("trace is full");
        Leaf* leaf = top_[c >> kLeafBits].load(std::memory_order_relaxed);
        if (!leaf) {
            leaf = new Leaf;
            for (auto& p : *leaf) p.store(nullptr, std::memory_order_relaxed);
            top_[c >> kLeafBits].store(leaf, std::memory_order_relaxed);
        }
        auto& slot = (*leaf)[c & (kLeaf - 1)];
        T* chunk = slot.load(std::memory_order_relaxed);
        if (!chunk) {
            chunk =
                static_cast<T*>(::operator new(sizeof(T) * kChunk, std::align_val_t(alignof(T))));
            slot.store(chunk, std::memory_order_relaxed);
        }
        new (chunk + (n & (kChunk - 1))) T(std::move(value));
        size_.store(n + 1, std::memory_order_release); // publishes the leaf and chunk too
        return n;
    }

    // Any thread.
    size_t size() const { return size_.load(std::memory_order_acquire); }
    const T& operator[](size_t i) const { return at(i); }

  private:
    T& at(size_t i) const {
        size_t c = i >> ChunkBits;
        Leaf* leaf = top_[c >> kLeafBits].load(std::memory_order_relaxed);
        return (*leaf)[c & (kLeaf - 1)].load(std::memory_order_relaxed)[i & (kChunk - 1)];
    }
    std::array<std::atomic<Leaf*>, kTop> top_;
    std::atomic<size_t> size_{0};
};

} // namespace forklab
