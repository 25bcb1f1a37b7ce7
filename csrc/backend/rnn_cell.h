// The shapes of rnn_sequence's cells (ops_rnn.cpp), shared by the op's
// inference and both backends: gates G per unit, state tensors S (LSTM's h
// and c), and the columns per unit the forward saves for the backward.
// Device-neutral (TG_HD): the CUDA kernels read them too.
#pragma once
#include <cstdint>

#include "backend/kernel.h"
#include "hd.h"

namespace tg::rnn {

TG_HD constexpr int64_t gates_of(RnnCell c) { return c == RnnCell::Lstm ? 4 : c == RnnCell::Gru ? 3 : 1; }
TG_HD constexpr int64_t states_of(RnnCell c) { return c == RnnCell::Lstm ? 2 : 1; }
TG_HD constexpr int64_t saved_of(RnnCell c) { return c == RnnCell::Lstm || c == RnnCell::Gru ? 4 : 0; }

// Calls Kernel<T, cell>::run(k) for the call's cell: one kernel per dtype in
// the table, the cell an attribute dispatched once per call.
template <template <class, RnnCell> class Kernel, class T>
void by_cell(const KernelCall& k) {
  switch (k.attrs->rnn.cell) {
    case RnnCell::Lstm: return Kernel<T, RnnCell::Lstm>::run(k);
    case RnnCell::Gru: return Kernel<T, RnnCell::Gru>::run(k);
    case RnnCell::SimpleRelu: return Kernel<T, RnnCell::SimpleRelu>::run(k);
    default: return Kernel<T, RnnCell::SimpleTanh>::run(k);
  }
}

}  // namespace tg::rnn
