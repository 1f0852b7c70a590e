#pragma once
// A snapshot's tables (fds, thread_states, shm_maps) as the trace file writes them, and the
// reader's memory of tables by that text.
//
// Why the reader remembers: a process's snapshots mostly repeat its fd and thread tables, and a
// table is most of a snapshot line. A JSON value is fixed by its bytes, so when a line continues
// with exactly the text of a table already read, that value is that table; the reader takes it
// without decoding or checking it again. Only text that is this writer's own for a table the
// reader decoded is remembered, so files written otherwise are simply read the long way.
#include "JsonWriter.hpp"
#include "core/base/CowVector.hpp"
#include "core/probe/Snapshot.hpp"

#include <string>
#include <string_view>
#include <unordered_map>

namespace forklab {

void writeTable(JsonWriter& w, const std::vector<FdEntry>& fds);
void writeTable(JsonWriter& w, const std::vector<ThreadState>& threads);
void writeTable(JsonWriter& w, const std::vector<ShmMapping>& maps);

template <class T>
class TableMemo {
  public:
    // The remembered table whose text `text` starts with (and that text's length), if any. Tables
    // in the file end with
    // "}]" (arrays of objects), so the candidate is the text up to the first "}]".
    const CowVector<T>* find(std::string_view text, size_t* length) const {
        size_t end = text.find("}]");
        if (end == std::string_view::npos) return nullptr;
        auto it = byText_.find(text.substr(0, end + 2));
        if (it == byText_.end()) return nullptr;
        *length = end + 2;
        return &it->second;
    }
    // Remembers `table` if `text` starts with its file text; returns that text's length, or 0.
    size_t remember(std::string_view text, const CowVector<T>& table) {
        scratch_.clear();
        JsonWriter w(scratch_);
        writeTable(w, table.vec());
        if (text.substr(0, scratch_.size()) != scratch_) return 0;
        // Bounded: a file of ever-new tables stops being remembered, and is read the long way.
        if (byText_.size() < kMaxTables && bytes_ + scratch_.size() <= kMaxBytes) {
            bytes_ += scratch_.size();
            byText_.emplace(scratch_, table);
        }
        return scratch_.size();
    }

  private:
    static constexpr size_t kMaxTables = 1 << 16;
    static constexpr size_t kMaxBytes = size_t(64) << 20;
    struct Hash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
    };
    std::unordered_map<std::string, CowVector<T>, Hash, std::equal_to<>> byText_;
    std::string scratch_;
    size_t bytes_ = 0;
};

} // namespace forklab
