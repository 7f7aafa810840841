// Operations for hand-written simulation scenarios (tests/sim/*_test.cpp), as the generator makes them.
#pragma once

#include <string>

#include "sim/Simulation.h"

namespace sup::sim {

inline Op advance(int ms) {
    Op op;
    op.kind = Op::Kind::Advance;
    op.value = ms;
    return op;
}
inline Op control(Op::Kind kind, const std::string& pattern, int value = 0) {
    Op op;
    op.kind = kind;
    op.pattern = pattern;
    op.value = value;
    return op;
}
inline Op simple(Op::Kind kind, int value = 0, std::uint32_t pick = 0) {
    Op op;
    op.kind = kind;
    op.value = value;
    op.pick = pick;
    return op;
}
inline Op setNumprocs(unsigned service, int n) {
    Op op;
    op.kind = Op::Kind::Reload;
    op.mutation = Op::Mutation::SetNumprocs;
    op.pick = service;
    op.value = n;
    return op;
}
inline Op setEnvironment(unsigned service, int value) {
    Op op;
    op.kind = Op::Kind::Reload;
    op.mutation = Op::Mutation::SetEnvironment;
    op.pick = service;
    op.value = value;
    return op;
}

}  // namespace sup::sim
