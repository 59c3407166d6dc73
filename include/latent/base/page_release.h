#pragma once
// Handing memory that has been read for the last time back to the OS while the rest of its
// buffer is still in use: a long table's file text behind the parser, its raw cells behind the
// encoder. The pages stay mapped: a later read refaults them (from the file for a mapping, as
// zeros for heap memory, which callers then never read again).
#include <cstddef>

namespace latent {

/// Drops the whole pages inside [begin, end) from this process's resident memory.
void release_pages(const void* begin, const void* end);

}  // namespace latent
