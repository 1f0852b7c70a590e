#pragma once
// One recording shown in the window: its Trace, the Sandbox writing it (while live), the
// indexes that let a frame look at any step without scanning the trace, and the cursor.
// A frame never waits for the sandbox: update() indexes what the recorder has published so far.
#include "core/sandbox/Sandbox.hpp"
#include "core/trace/TraceIndex.hpp"
#include "core/trace/WorldCache.hpp"

#include <memory>
#include <string>
#include <vector>

namespace forklab::gui {

class Session {
  public:
    // Starts a recording. On failure the session holds the error and an empty trace.
    static std::unique_ptr<Session> launch(SandboxOptions options, std::string title);
    // Shows a finished trace (synthetic, or read from a file).
    static std::unique_ptr<Session> replay(std::unique_ptr<Trace> trace, std::string title);
    Session(const Session&) = delete;
    ~Session(); // stops the run and joins the recorder

    // Indexes up to `budget` new events and moves a following cursor to the end.
    void update(size_t budget = 250'000);

    const Trace& trace() const { return *trace_; }
    const TraceIndex& index() const { return index_; }
    const std::string& title() const { return title_; }
    const std::string& error() const { return error_; }
    bool live() const { return sandbox_ && !sandbox_->finished(); }
    bool held() const { return live() && sandbox_->held(); }
    uint64_t gatesEntered() const { return sandbox_ ? sandbox_->gatesEntered() : 0; }
    // The markers (event indexes) at which the run was held: breaks on the timeline. Held time
    // is not in the trace's times (the recorder leaves it out), so a break marks where it was.
    const std::vector<size_t>& breaks() const { return breaks_; }
    bool recording() const { return sandbox_ != nullptr; }
    void stop();
    void release() { // the live gate: let the sandbox run to its next marker
        if (sandbox_) sandbox_->step();
    }
    int wait() { return sandbox_ ? sandbox_->wait() : 0; } // blocks: tests and shutdown only

    // ---- cursor: the world after the first `cursor` events --------------------------------
    size_t cursor() const { return cursor_; }
    bool following() const { return follow_; }
    void follow() {
        follow_ = true;
        cursor_ = index_.indexed();
    }
    void setCursor(size_t upto); // stops following
    // Where the cursor goes to show step event i: just past it and past the snapshots and new
    // processes the recorder attached to it (a marker's snapshots of every process, a fork's
    // child and its table), so the step's world is complete.
    size_t stepEnd(size_t i) const;
    void gotoStep(size_t n);                    // n-th step (1-based) of index().steps()
    void stepForward(bool markersOnly = false); // next step (or marker) after the cursor
    void stepBack(bool markersOnly = false);    // previous one
    size_t currentStep() const { return index_.stepsBefore(cursor_); } // 1-based, 0 = none
    // The event the cursor shows (the newest step at or before it), if any.
    std::optional<size_t> currentEvent() const;
    const CursorWorld& world() { return worlds_.at(*trace_, cursor_); }
    // Everything recorded so far (the timeline shows the whole run, the cursor within it).
    const CursorWorld& headWorld() const { return worlds_.head(); }

  private:
    Session() = default;
    std::unique_ptr<Trace> trace_;
    std::unique_ptr<Sandbox> sandbox_;
    TraceIndex index_;
    WorldCache worlds_;
    std::string title_, error_;
    size_t cursor_ = 0;
    bool follow_ = true;
    std::vector<size_t> breaks_;
};

} // namespace forklab::gui
