#pragma once
// The one check every command runs on the files it is about to write, before any long work: an
// output must not destroy an input, another output, or a latent file of another kind.
#include <string>
#include <vector>

namespace latent::cli {

/// A file a command reads, named by its flag ("--model"); an empty path is skipped.
struct InputFile {
  std::string flag, path;
};

/// A file a command writes: `kind` is the latent container kind it writes ("model", "index", ...)
/// or "" for a plain file (picture, matrix, log). With `keep_existing`, a latent file of that same
/// kind already there is refused too (a trained model: `latent train` without --overwrite).
struct OutputFile {
  std::string flag, path, kind;
  bool keep_existing = false;
};

/// Throws latent::Error (one line naming the flag) for an output in a missing directory, a
/// directory, the same file as an input or another output, an existing latent file of another
/// kind (or any non-empty non-latent file where a latent file goes), or a file keep_existing keeps.
void check_outputs(const std::vector<OutputFile>& outputs, const std::vector<InputFile>& inputs);

/// Both paths name the same file: equal, or both exist and are the same inode.
bool same_file(const std::string& a, const std::string& b);

}  // namespace latent::cli
