#include "app/gui/TimelineModel.hpp"

#include <algorithm>

namespace forklab::gui {

std::vector<bool> labelFlags(const std::vector<FlagSpot>& flags, int current, float gap) {
    std::vector<bool> out(flags.size(), false);
    float curFrom = 1e30f, curTo = -1e30f;
    if (current >= 0 && size_t(current) < flags.size()) {
        out[size_t(current)] = true;
        curFrom = flags[size_t(current)].x;
        curTo = curFrom + flags[size_t(current)].w + gap;
    }
    float lastEnd = -1e30f;
    for (size_t i = 0; i < flags.size(); ++i) {
        if (int(i) == current) continue;
        const float from = flags[i].x, to = from + flags[i].w + gap;
        if (from >= lastEnd && (to <= curFrom || from >= curTo)) {
            out[i] = true;
            lastEnd = to;
        }
    }
    return out;
}

int threadLanes(const std::vector<ThreadLife>& lives, double until, double end,
                std::vector<int>* laneOf) {
    double laneEnd[kThreadLanes] = {};
    int lanes = 0;
    if (laneOf) laneOf->clear();
    for (const ThreadLife& l : lives) {
        if (double(l.born) > until) {
            if (laneOf) laneOf->push_back(-1);
            continue;
        }
        const double died = l.died >= 0 ? double(l.died) : end;
        int lane = 0;
        while (lane < lanes && laneEnd[lane] > double(l.born)) ++lane;
        if (lane == kThreadLanes) lane = kThreadLanes - 1;
        if (lane == lanes) laneEnd[lanes++] = died;
        laneEnd[lane] = std::max(laneEnd[lane], died);
        if (laneOf) laneOf->push_back(lane);
    }
    return lanes;
}

} // namespace forklab::gui
