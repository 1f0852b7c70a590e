// launch-latency: "spawn is slower". N launches of a child that does nothing; the parent times
// each start()+join().
#include "Lesson.hpp"

#include "core/base/Clock.hpp"

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace forklab::lessons {
namespace {

int noop(const launch::Args&) {
    return 0;
}
FORKLAB_TARGET("launch-latency.noop", noop);

int lesson(StartMethod method, const std::string& variant) {
    int n = variant.empty() ? 20 : std::max(1, atoi(variant.c_str()));
    launch::step("the parent starts N children, one after the other");
    std::vector<double> us;
    for (int i = 0; i < n; ++i) {
        int64_t t0 = monotonicNs();
        launch::Process p(method, "launch-latency.noop");
        if (!p.start()) return 1;
        p.join();
        us.push_back(double(monotonicNs() - t0) / 1000.0);
    }
    std::vector<double> sorted = us;
    std::sort(sorted.begin(), sorted.end());
    say("%s: %d launches, first %.0f us, median %.0f us, p90 %.0f us", toString(method), n, us[0],
        sorted[sorted.size() / 2], sorted[sorted.size() * 9 / 10]);
    launch::keyStep("all launches are done");
    return 0;
}
FORKLAB_LESSON("launch-latency", lesson);

} // namespace
} // namespace forklab::lessons
