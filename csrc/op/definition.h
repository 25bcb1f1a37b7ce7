// What an op-definition file (ops_elementwise.cpp, ops_reduce.cpp, ...)
// uses: the execution path and the names of the table's types, in tg::ops.
#pragma once
#include "op/exec.h"

namespace tg::ops {

using op::GradCtx;
using op::Grads;
using op::Inferred;
using op::Needs;
using op::OpId;
using op::exec;
using op::exec_n;
using op::exec_with_aux;
using op::ViewOut;
using op::views;

}  // namespace tg::ops
