// Python functions of the fused optimizer updates (used by tensorgear.keras.optimizers).
#include "bindings/common.h"

namespace tg::py_bind {

void bind_optim(py::module_& m) {}

}  // namespace tg::py_bind
