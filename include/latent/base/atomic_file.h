#pragma once
#include <string>

namespace latent {

/// Writes bytes to path.tmp.<pid>, fsyncs, renames over path and fsyncs the directory: a
/// reader sees the old file or the whole new one, never a part. On failure (disk full, no
/// permission) the temporary file is removed and latent::Error says why.
void write_file_atomic(const std::string& path, const std::string& bytes);

}  // namespace latent
