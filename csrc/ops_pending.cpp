// Ops declared in ops.h that have no kernel yet: they raise instead of failing to link.
// Each op family deletes its entries here as it lands.
#include "ops.h"

namespace tg::ops {


}  // namespace tg::ops
