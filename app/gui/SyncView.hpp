#pragma once
// Mutexes, futex waits and named semaphores at the cursor: each deadlock verdict with its
// evidence ("owner is not a thread of this process" in red, and why), who waits on what, and
// the semaphore ledger (name, creator, who maps it, unlinked by whom, leaked).
#include "app/gui/App.hpp"

namespace forklab::gui {

void drawSyncView(const App& app, Pane& pane, const CursorWorld& w);

} // namespace forklab::gui
