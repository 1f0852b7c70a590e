// DataPipeWatch, the recorder's bookkeeping for CPython's data pipe (no processes started): who
// is followed, which writes become events, what is kept aside and dropped, and the bounds.
#include "core/sandbox/DataPipeWatch.hpp"

#include <catch2/catch.hpp>

using namespace forklab;

namespace {
DataPipeWatch::Written write(const std::string& target, const std::string& bytes) {
    return {7, target, bytes, bytes.size()};
}
} // namespace

TEST_CASE("a spawn child's exec names the data pipe: a write kept aside becomes an event",
          "[datapipe]") {
    DataPipeWatch w;
    w.forked(10, 11);
    CHECK(w.watching(10));
    CHECK(w.wanted(10, "pipe:[5]")); // undecided: any pipe write is read
    CHECK_FALSE(w.wanted(10, "/dev/null"));
    auto early = write("pipe:[5]", "\x80\x04 data");
    CHECK_FALSE(w.wrote(10, early)); // 3.8/3.9: written before the exec decides: aside
    auto other = write("pipe:[6]", "not the data");
    CHECK_FALSE(w.wrote(10, other));
    auto events = w.decided(10, 11, DataPipeWatch::Exec::SpawnChild, "pipe:[5]");
    REQUIRE(events.size() == 1); // only the data pipe's write, not pipe:[6]'s
    CHECK(events[0].target == "pipe:[5]");
    CHECK(events[0].bytes == "\x80\x04 data");
    CHECK(w.isDataPipe(10, "pipe:[5]"));
    CHECK_FALSE(w.isDataPipe(10, "pipe:[6]"));
    // Written: the next other syscall ends the watch (nothing else to wait for).
    CHECK_FALSE(w.entry(10));
    CHECK_FALSE(w.watching(10));
}

TEST_CASE("a child that execs something else (or dies) lets its parent go, its writes dropped",
          "[datapipe]") {
    DataPipeWatch w;
    w.forked(10, 11);
    auto aside = write("pipe:[5]", "bytes");
    CHECK_FALSE(w.wrote(10, aside));
    CHECK(w.decided(10, 11, DataPipeWatch::Exec::Other, "").empty());
    CHECK_FALSE(w.entry(10));
    CHECK_FALSE(w.watching(10));
    // A death before any exec: the same.
    w.forked(20, 21);
    CHECK(w.decided(20, 21, DataPipeWatch::Exec::Other, "").empty());
    CHECK(w.decided(20, 99, DataPipeWatch::Exec::SpawnChild, "pipe:[1]").empty()); // not its
}

TEST_CASE("a forkserver's client: the first fd it sends is a data pipe, for every start",
          "[datapipe]") {
    DataPipeWatch w;
    w.forked(10, 11);
    CHECK(w.caresAboutSendmsg(10));
    w.sentFd(10, "pipe:[8]"); // sent before the server's exec was seen (3.8/3.9)
    auto early = write("pipe:[8]", "\x80\x04");
    CHECK_FALSE(w.wrote(10, early));
    auto events = w.decided(10, 11, DataPipeWatch::Exec::Forkserver, "");
    REQUIRE(events.size() == 1);
    CHECK(events[0].target == "pipe:[8]");
    // Later starts: the client stays followed and each sent pipe is a data pipe at once.
    CHECK(w.entry(10));
    w.sentFd(10, "pipe:[9]");
    CHECK(w.isDataPipe(10, "pipe:[9]"));
    auto next = write("pipe:[9]", "\x80\x04 second");
    CHECK(w.wrote(10, next));
}

TEST_CASE("the watch is bounded: a syscall budget, and the bytes kept per run", "[datapipe]") {
    DataPipeWatch w;
    w.forked(10, 11);
    w.decided(10, 11, DataPipeWatch::Exec::Forkserver, ""); // followed for its next starts
    int entries = 0;
    while (w.entry(10)) ++entries;
    CHECK(entries == DataPipeWatch::kStopBudget - 1);
    CHECK_FALSE(w.watching(10));

    DataPipeWatch cap;
    cap.forked(1, 2);
    cap.decided(1, 2, DataPipeWatch::Exec::SpawnChild, "pipe:[3]");
    auto big = write("pipe:[3]", std::string(DataPipeWatch::kKeepCap + 100, 'x'));
    CHECK(cap.wrote(1, big));
    CHECK(big.bytes.size() == DataPipeWatch::kKeepCap); // cut to what the run may keep
    CHECK(big.length == DataPipeWatch::kKeepCap + 100); // the length written stays whole
    CHECK(cap.room() == 0);
}
