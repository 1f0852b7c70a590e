// The tree view's layout of a 100,000-deep fork chain: made without recursion (the GUI's own
// stack is as small as any thread's), every process a node, one row, folding and hiding counted.
#include "../DeepChain.hpp"

#include "app/gui/Model.hpp"
#include "core/trace/WorldCache.hpp"

#include <catch2/catch.hpp>
#include <memory>

using namespace forklab;
using namespace forklab::gui;
using namespace forklab::test;

TEST_CASE("the tree layout of a 100,000-deep chain", "[gui][deep]") {
    constexpr int kDepth = 100000;
    auto trace = std::make_unique<Trace>();
    makeChain(*trace, kDepth);
    WorldCache cache(size_t(1) << 30); // one checkpoint: the test needs only the end
    cache.extend(*trace, trace->size());
    const CursorWorld& w = cache.at(*trace, trace->size());

    const TreeLayout all = layoutTree(*trace, w, {}, false);
    REQUIRE(all.nodes.size() == size_t(kDepth));
    CHECK(all.maxDepth == kDepth - 1);
    CHECK(all.rows == 1); // each only child shares its parent's row
    CHECK(all.nodes.back().proc->pid == kChainFirst + kDepth - 1);
    CHECK(all.nodes.back().parentIndex == kDepth - 2);

    const TreeLayout folded = layoutTree(*trace, w, {kChainFirst + 10}, false);
    REQUIRE(folded.nodes.size() == 11);
    CHECK(folded.nodes.back().collapsed);
    CHECK(folded.nodes.back().hidden == kDepth - 11);

    const TreeLayout live = layoutTree(*trace, w, {}, false, true); // every process has exited
    CHECK(live.nodes.size() == 1);                                  // the root stays
    CHECK(live.exitedHidden == kDepth - 1);
}
