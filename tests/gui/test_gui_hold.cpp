// Time held at a step gate is not running time (DESIGN §7): a class may pause at a step for
// minutes; the deadline, the grace period and the event times go on only while the lesson runs.
#include "app/gui/LessonSource.hpp"
#include "app/gui/Session.hpp"
#include "core/sandbox/Sandbox.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <thread>

using namespace forklab;
using namespace forklab::gui;

namespace {

// Runs a lesson live (held at every step gate) with a short deadline, holds the gate of the
// marker labelled `holdAt` for `holdMs` (longer than the deadline) and releases every gate
// until the run ends. Returns the finished session.
std::unique_ptr<Session> holdLesson(const std::string& id, int method, const std::string& holdAt,
                                    int deadlineMs, int holdMs) {
    std::string error;
    auto o = lessonOptions(id, method, "", &error);
    REQUIRE(o);
    o->stepping = true;
    o->deadlineMs = deadlineMs;
    auto s = Session::launch(std::move(*o), id);
    REQUIRE(s->error().empty());
    uint64_t seen = 0;
    bool held = false;
    while (s->live()) {
        s->update();
        if (s->held() && s->gatesEntered() != seen) {
            seen = s->gatesEntered();
            const auto& markers = s->index().markers();
            const bool here =
                !markers.empty() &&
                std::string(s->trace().str(s->trace()[markers.back()].as<ev::Marker>().label)) ==
                    holdAt;
            if (here) {
                held = true;
                std::this_thread::sleep_for(std::chrono::milliseconds(holdMs));
            }
            s->release();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    s->wait();
    s->update(SIZE_MAX);
    CHECK(held); // the gate was reached and held
    return s;
}

const ev::RunEnd* runEnd(const Trace& t) {
    for (size_t i = t.size(); i-- > 0;)
        if (t[i].kind == EventKind::RunEnd) return &t[i].as<ev::RunEnd>();
    return nullptr;
}

std::string outputText(const Trace& t) {
    std::string all;
    for (size_t i = 0; i < t.size(); ++i)
        if (t[i].kind == EventKind::Output) all += std::string(t.str(t[i].as<ev::Output>().text));
    return all;
}

} // namespace

TEST_CASE("time held at a step gate counts toward no deadline and no event time",
          "[gui][session][hold]") {
    // The deadline is 3 s of running time; the key step is held for 5 s. Under spawn the child
    // locks log_lock and exits while the parent waits 1.5 s (of running time) for it.
    constexpr int kHoldMs = 5000;
    auto s = holdLesson("mutex-after-fork", 1, "the child locks log_lock", 3000, kHoldMs);
    const Trace& t = s->trace();
    const ev::RunEnd* end = runEnd(t);
    REQUIRE(end);
    CAPTURE(toString(end->reason));
    CHECK(end->reason != EndReason::Deadline);
    CHECK(end->exitCode == 0);
    // The parent's own 1.5 s wait did not run out while the sandbox was held.
    CHECK_THAT(outputText(t), Catch::Contains("the child exited with 0"));
    // The hold is not in the event times: the key marker and the event after it are closer
    // than the hold was long.
    const auto key = s->index().key();
    REQUIRE(key);
    REQUIRE(*key + 1 < t.size());
    CHECK(t[*key + 1].t - t[*key].t < int64_t(kHoldMs) * 1'000'000);
}
