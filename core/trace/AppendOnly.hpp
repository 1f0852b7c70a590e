#pragma once
// A single-writer, many-reader append-only sequence. Elements live in fixed chunks that never
// move, and the size is published with release order after the element is complete, so a reader
// that loads size() may read every element below it while the writer keeps appending.
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
  public:
    static constexpr size_t kChunk = size_t(1) << ChunkBits;

    AppendOnly() : chunks_(new std::atomic<T*>[MaxChunks]) {
        for (size_t i = 0; i < MaxChunks; ++i) chunks_[i].store(nullptr, std::memory_order_relaxed);
    }
    AppendOnly(const AppendOnly&) = delete;
    AppendOnly& operator=(const AppendOnly&) = delete;
    ~AppendOnly() {
        size_t n = size_.load(std::memory_order_relaxed);
        for (size_t i = 0; i < n; ++i) at(i).~T();
        for (size_t c = 0; c < MaxChunks; ++c) {
            T* p = chunks_[c].load(std::memory_order_relaxed);
            if (!p) break;
            ::operator delete(static_cast<void*>(p), std::align_val_t(alignof(T)));
        }
    }

    // Writer only.
    size_t push_back(T value) {
        size_t n = size_.load(std::memory_order_relaxed);
        size_t c = n >> ChunkBits;
        if (c >= MaxChunks) throw std::length_error("trace is full");
        T* chunk = chunks_[c].load(std::memory_order_relaxed);
        if (!chunk) {
            chunk =
                static_cast<T*>(::operator new(sizeof(T) * kChunk, std::align_val_t(alignof(T))));
            chunks_[c].store(chunk, std::memory_order_relaxed);
        }
        new (chunk + (n & (kChunk - 1))) T(std::move(value));
        size_.store(n + 1, std::memory_order_release);
        return n;
    }

    // Any thread.
    size_t size() const { return size_.load(std::memory_order_acquire); }
    const T& operator[](size_t i) const { return at(i); }

  private:
    T& at(size_t i) const {
        return chunks_[i >> ChunkBits].load(std::memory_order_relaxed)[i & (kChunk - 1)];
    }
    std::unique_ptr<std::atomic<T*>[]> chunks_;
    std::atomic<size_t> size_{0};
};

} // namespace forklab
