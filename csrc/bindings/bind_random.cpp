// Python functions of the random generators (exposed under tg.random).
#include "bindings/common.h"

namespace tg::py_bind {

void bind_random(py::module_& m) {}

}  // namespace tg::py_bind
