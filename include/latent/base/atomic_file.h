#pragma once
#include <string>

namespace latent {

/// Writes bytes to path.tmp.<pid>, fsyncs, renames over path and fsyncs the directory: a
/// reader sees the old file or the whole new one, never a part. The temporary is created new
/// (anything already at its name, a symlink included, is an error, never followed); the new
/// file keeps the permission bits of the one it replaces. On failure (disk full, no permission,
/// the directory sync) the temporary file is removed and latent::Error says why.
void write_file_atomic(const std::string& path, const std::string& bytes);

}  // namespace latent
