#include "app/gui/Session.hpp"

#include <algorithm>

namespace forklab::gui {

std::unique_ptr<Session> Session::launch(SandboxOptions options, std::string title) {
    std::unique_ptr<Session> s(new Session);
    s->trace_ = std::make_unique<Trace>();
    s->title_ = std::move(title);
    try {
        auto sandbox = std::make_unique<Sandbox>(std::move(options), *s->trace_);
        sandbox->start();
        s->sandbox_ = std::move(sandbox);
    } catch (const std::exception& e) {
        s->error_ = e.what();
    }
    return s;
}

std::unique_ptr<Session> Session::replay(std::unique_ptr<Trace> trace, std::string title) {
    std::unique_ptr<Session> s(new Session);
    s->trace_ = std::move(trace);
    s->title_ = std::move(title);
    return s;
}

Session::~Session() {
    // The Sandbox's destructor tears the run down and joins its recorder; it must go before
    // the Trace it writes into.
    sandbox_.reset();
}

void Session::stop() {
    if (sandbox_) sandbox_->stop();
}

void Session::update(size_t budget) {
    // A sandbox that could not start the program (a refused user namespace for a lesson, which
    // must be isolated) says why: shown where a launch error is.
    if (error_.empty() && sandbox_ && sandbox_->finished() && trace_->finished() &&
        (*trace_)[trace_->size() - 1].as<ev::RunEnd>().reason == EndReason::LaunchFailed)
        error_ = sandbox_->launchProblem();
    index_.update(*trace_, budget);
    worlds_.extend(*trace_, index_.indexed());
    if (held() && !index_.markers().empty() &&
        (breaks_.empty() || breaks_.back() != index_.markers().back()))
        breaks_.push_back(index_.markers().back());
    if (!follow_) return;
    cursor_ = index_.indexed();
    // Held at a step gate: show the world of that step (the marker and its snapshots). What the
    // recorder saw after the marker trap, before every process was stopped, belongs to the next
    // step: a verdict there would give the answer away before the class predicts it.
    if (held() && !index_.markers().empty()) cursor_ = stepEnd(index_.markers().back());
}

void Session::setCursor(size_t upto) {
    follow_ = false;
    cursor_ = std::min(upto, index_.indexed());
}

size_t Session::stepEnd(size_t i) const {
    return settle(*trace_, i, index_.indexed());
}

void Session::gotoStep(size_t n) {
    const auto& steps = index_.steps();
    if (steps.empty()) return;
    n = std::clamp<size_t>(n, 1, steps.size());
    setCursor(stepEnd(steps[n - 1]));
}

void Session::stepForward(bool markersOnly) {
    const auto& list = markersOnly && !index_.markers().empty() ? index_.markers() : index_.steps();
    // The next step is the first one not yet shown.
    auto it = std::lower_bound(list.begin(), list.end(), cursor_);
    // (skip a step whose attached events the cursor already shows)
    while (it != list.end() && stepEnd(*it) <= cursor_) ++it;
    if (it != list.end()) setCursor(stepEnd(*it));
}

void Session::stepBack(bool markersOnly) {
    const auto& list = markersOnly && !index_.markers().empty() ? index_.markers() : index_.steps();
    if (list.empty()) return;
    auto it = std::lower_bound(list.begin(), list.end(), cursor_);
    if (it == list.begin()) {
        setCursor(list.front()); // the world just before the first step
        return;
    }
    --it; // the step shown now
    if (stepEnd(*it) >= cursor_) {
        if (it == list.begin()) {
            setCursor(*it);
            return;
        }
        --it;
    }
    setCursor(stepEnd(*it));
}

std::optional<size_t> Session::currentEvent() const {
    size_t n = index_.stepsBefore(cursor_);
    if (n == 0) return std::nullopt;
    return index_.steps()[n - 1];
}

} // namespace forklab::gui
