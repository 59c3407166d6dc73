#pragma once
// Photos from cameras and phones are often stored sideways with an EXIF tag (0x0112) that says
// how to turn them; decoders that ignore it (stb does) hand back the picture sideways.
#include <cstddef>

namespace latent {

/// The EXIF orientation of the JPEG in `bytes`: 1 (as stored) to 8, 1 when there is none or
/// the bytes are not a JPEG. Reads only within `length`.
int exif_orientation(const unsigned char* bytes, size_t length);

}  // namespace latent
