#include "output_check.h"

#include <filesystem>
#include <optional>
#include <system_error>

#include "latent/base/error.h"
#include "latent/io/container.h"

namespace latent::cli {

namespace fs = std::filesystem;

bool same_file(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) return false;
  std::error_code error;
  return fs::path(a).lexically_normal() == fs::path(b).lexically_normal() || fs::equivalent(a, b, error);
}

namespace {

std::string article(const std::string& kind) {
  return std::string(kind.find_first_of("aeiou") == 0 ? "an " : "a ") + kind;
}

void check_one(const OutputFile& out) {
  const std::string name = out.flag + " " + out.path;
  // The error_code overloads: a name too long or a parent without permission is a bad path, not
  // a std::filesystem exception.
  std::error_code error;
  const fs::file_status status = fs::status(out.path, error);
  if (error && error != std::errc::no_such_file_or_directory) throw Error(name + ": " + error.message());
  const fs::path parent = fs::path(out.path).parent_path();
  if (!parent.empty() && !fs::is_directory(parent, error)) throw Error(name + ": no directory " + parent.string());
  if (fs::is_directory(status)) throw Error(name + " is a directory; name a file");
  if (!fs::exists(status)) return;
  const std::string writes = out.kind.empty() ? "a plain file" : article(out.kind) + " file";
  const std::optional<std::string> kind = file_kind(out.path);
  if (!kind) return;
  if (!kind->empty() && *kind != out.kind)
    throw Error(name + " is a latent " + *kind + " file; this command writes " + writes +
                ": choose another name or remove it first");
  if (kind->empty() && !out.kind.empty() && fs::file_size(out.path, error) > 0)
    throw Error(name + " exists and is not a latent file; this command writes " + writes +
                ": choose another name or remove it first");
  if (out.keep_existing && *kind == out.kind)
    throw Error(name + " already holds a latent " + out.kind + "; pass --overwrite to replace it");
}

}  // namespace

void check_outputs(const std::vector<OutputFile>& outputs, const std::vector<InputFile>& inputs) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].path.empty()) continue;
    for (const InputFile& in : inputs)
      if (same_file(outputs[i].path, in.path))
        throw Error(outputs[i].flag + " " + outputs[i].path + " is also the " + in.flag +
                    " input; write to another file");
    for (size_t j = 0; j < i; ++j)
      if (same_file(outputs[i].path, outputs[j].path))
        throw Error(outputs[i].flag + " " + outputs[i].path + " is also " + outputs[j].flag +
                    "; give them different files");
    check_one(outputs[i]);
  }
}

}  // namespace latent::cli
