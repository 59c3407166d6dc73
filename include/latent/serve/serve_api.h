#pragma once
// The JSON API and web page of `latent serve`: one model loaded once and shared by every
// request thread, plus the optional search index and anomaly detector. Each endpoint answers
// 404 with a clear message when its part was not loaded.
//
//   GET  /healthz            {"status":"ok", ...}
//   GET  /api/info           model spec, dataset, metrics at training, which endpoints work
//   POST /api/encode         {"code": [...]}
//   POST /api/reconstruct    PNG (base64) of the reconstruction and of |error|, per-pixel error
//   POST /api/search?k=10&nprobe=P  ids, labels, distance, similarity %, thumbnails (nprobe:
//                            cells an inverted-file index visits; a batch takes its largest)
//   POST /api/anomaly        score, threshold, is_anomaly
//   POST /api/generate?count=8&seed=0&spread=1   prior samples (empty body) or variations (VAE)
//   PUT  /api/index/ID?label=L  encode the body and upsert it as entry ID (a mutable index served
//                               writable); GET: the entry's code and label; DELETE: remove it.
//                               Writes arriving together are one transaction (group commit).
// Bodies: {"pixels": [...]} in raw units (0..255 for images) or PNG bytes (serve_request.h).
// Errors: 4xx with {"error": {"code", "message"}}.
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "latent/apps/anomaly.h"
#include "latent/io/raw_data.h"
#include "latent/model/model_file.h"
#include "latent/search/code_index.h"
#include "latent/search/mutable_index.h"
#include "latent/serve/http_server.h"

namespace latent {

struct ServeParts {
  LoadedModel model;
  std::optional<CodeIndex> index;               ///< a snapshot built with `model`, or
  std::unique_ptr<MutableIndex> mutable_index;  ///< a mutable index of `model`'s codes
  bool writable = false;                        ///< PUT and DELETE /api/index/ID change mutable_index
  RawData indexed;                              ///< the indexed samples (thumbnails), or empty
  std::optional<Detector> detector;             ///< has its own model
};

class ServeApi {
 public:
  /// inference_slots: API requests handled at the same time (the rest wait in arrival order).
  ServeApi(ServeParts parts, int inference_slots);
  ~ServeApi();
  /// Routes, error pages and (when token is not empty) the Bearer check for /api/*. Internal
  /// errors (500) say only "internal error" unless `debug` (their text can name files).
  void install(HttpServer& server, const std::string& token, bool debug = false);

  nlohmann::json info() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace latent
