#pragma once
// The files of web/ compiled into the binary (cmake/embed_web.cmake writes the table), so
// `latent serve` needs no installed files and no internet.
#include <cstddef>
#include <string>

namespace latent {

struct WebAsset {
  const char* path;  ///< "/", "/app.js", ...
  const char* content_type;
  const unsigned char* data;
  size_t size;
};

/// The asset served at path, or nullptr.
const WebAsset* find_web_asset(const std::string& path);

}  // namespace latent
