#include "os/HeapTrim.h"

#include <malloc.h>

namespace sup::os {

void releaseFreedHeap() noexcept {
    // Its result says only whether anything was released: there is no failure to report.
    (void)::malloc_trim(0);
}

}  // namespace sup::os
