#pragma once
// A vector whose copies share one buffer until one of them is changed (copy on write). Process
// snapshots hold their fd, thread and mapping tables in these: most snapshots repeat a table
// already in the trace, which then keeps it once. Reading is a std::vector's const interface.
#include <initializer_list>
#include <memory>
#include <utility>
#include <vector>

namespace forklab {

template <class T>
class CowVector {
  public:
    using value_type = T;
    using const_iterator = typename std::vector<T>::const_iterator;
    using iterator = const_iterator; // elements change through mut() only
    using size_type = size_t;

    CowVector() = default;
    CowVector(std::initializer_list<T> items) { assign(std::vector<T>(items)); }
    CowVector(std::vector<T> items) { assign(std::move(items)); }
    CowVector& operator=(std::initializer_list<T> items) { return assign(std::vector<T>(items)); }
    CowVector& operator=(std::vector<T> items) { return assign(std::move(items)); }

    const std::vector<T>& vec() const { return p_ ? *p_ : none(); }
    operator const std::vector<T>&() const { return vec(); }
    const_iterator begin() const { return vec().begin(); }
    const_iterator end() const { return vec().end(); }
    size_t size() const { return p_ ? p_->size() : 0; }
    bool empty() const { return !p_ || p_->empty(); }
    const T& operator[](size_t i) const { return (*p_)[i]; }
    const T& front() const { return p_->front(); }
    const T& back() const { return p_->back(); }

    // The buffer to change, made private to this copy first if it was shared.
    std::vector<T>& mut() {
        if (!p_)
            p_ = std::make_shared<std::vector<T>>();
        else if (p_.use_count() > 1)
            p_ = std::make_shared<std::vector<T>>(*p_);
        return *p_;
    }
    void push_back(T v) { mut().push_back(std::move(v)); }
    void clear() { p_.reset(); }

    // True if both copies use one buffer (so they are equal without comparing).
    bool shares(const CowVector& o) const { return p_ == o.p_; }

    friend bool operator==(const CowVector& a, const CowVector& b) {
        return a.p_ == b.p_ || a.vec() == b.vec();
    }

  private:
    CowVector& assign(std::vector<T> items) {
        if (items.empty())
            p_.reset(); // empty tables cost nothing
        else
            p_ = std::make_shared<std::vector<T>>(std::move(items));
        return *this;
    }
    static const std::vector<T>& none() {
        static const std::vector<T> none;
        return none;
    }

    std::shared_ptr<std::vector<T>> p_;
};

} // namespace forklab
