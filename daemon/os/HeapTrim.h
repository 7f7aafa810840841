// Gives the kernel back the heap pages that start-up and reloads used only for a while.
#pragma once

namespace sup::os {

// Reading a config builds a YAML tree of ~3 KiB per service and frees it once the specs are made. The
// allocations that come after it (instances, pipes, bus objects) leave the freed pages scattered
// through the heap, where free() alone never returns them: about 1 MiB stays resident per 1,000
// services. malloc_trim(0) madvises every whole free page away. Called once when a start or a reload is
// done, never on a hot path (it walks the free lists).
void releaseFreedHeap() noexcept;

}  // namespace sup::os
