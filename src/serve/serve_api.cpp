#include "latent/serve/serve_api.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>

#include <omp.h>

#include "latent/apps/generate.h"
#include "latent/io/image_grid.h"
#include "latent/io/request_head.h"
#include "latent/io/serve_request.h"
#include "latent/model/evaluate.h"
#include "latent/serve/request_batcher.h"
#include "serve/web_assets.h"

namespace latent {
namespace {

using Json = nlohmann::json;

/// Searches answered by one encoder pass and one index search at most (the queue at 32
/// connections is 32 deep; more would only grow one batch's latency).
constexpr size_t kMaxSearchBatch = 64;

/// At most `slots` requests are handled at once, the rest wait in arrival order. More runnable
/// threads than cores would only make each request slower (every inference is single-threaded),
/// and a condition variable shared by all waiters lets a late arrival overtake an early one
/// again and again: that was the p99 at 32 connections. Here each waiter sleeps on its own
/// condition variable and a leaving request hands its slot to the oldest waiter.
class Slots {
 public:
  explicit Slots(int slots) : free_(std::max(1, slots)) {}
  class Guard {
   public:
    explicit Guard(Slots& s) : s_(s) { s_.acquire(); }
    ~Guard() { s_.release(); }

   private:
    Slots& s_;
  };

 private:
  struct Waiter {
    std::condition_variable cv;
    bool granted = false;
  };
  void acquire() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (free_ > 0 && waiting_.empty()) {
      --free_;
      return;
    }
    Waiter me;
    waiting_.push_back(&me);
    me.cv.wait(lock, [&] { return me.granted; });
  }
  void release() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (waiting_.empty()) {
      ++free_;
      return;
    }
    Waiter* next = waiting_.front();
    waiting_.pop_front();
    next->granted = true;
    next->cv.notify_one();  // under the lock: `next` lives on its thread's stack until it wakes
  }
  std::mutex mutex_;
  std::deque<Waiter*> waiting_;
  int free_;
};

InputShape input_shape(const LoadedModel& model) {
  return {model.model->spec().input_shape,
          model.normalization.unit_range() && model.model->spec().input_shape.size() == 3, model.input_layout()};
}

std::string png_base64(const std::vector<float>& unit_pixels, const ImageShape& shape) {
  return base64_encode(encode_png(interleaved_bytes(unit_pixels.data(), shape), static_cast<int>(shape[2]),
                                  static_cast<int>(shape[1]), static_cast<int>(shape[0])));
}

/// An absolute path in a string ("/home/a/x.model", "images:/data/faces") cut to its last part:
/// what the server tells clients about its files, unless --debug.
void redact_paths(Json& j) {
  if (j.is_object() || j.is_array()) {
    for (Json& item : j) redact_paths(item);
  } else if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    for (size_t pos = s.find('/'); pos != std::string::npos; pos = s.find('/', pos + 1))
      if (pos == 0 || s[pos - 1] == ':') {
        j = s.substr(0, pos) + s.substr(s.find_last_of('/') + 1);
        return;
      }
  }
}

Json error_body(const std::string& code, const std::string& message) {
  return {{"error", {{"code", code}, {"message", message}}}};
}

const char* status_code_name(int status) {
  switch (status) {
    case 400:
      return "bad_request";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 408:
      return "request_timeout";
    case 413:
      return "too_large";
    case 414:
      return "uri_too_long";
    case 415:
      return "unsupported_type";
    case 503:
      return "unavailable";
    default:
      return status < 500 ? "bad_request" : "internal";
  }
}

}  // namespace

struct SearchQuestion {
  torch::Tensor input;  ///< [1, D], normalised
  int64_t k = 10;
  int64_t nprobe = 0;  ///< an inverted file's cells to visit (0: the index's default)
};
struct SearchAnswer {
  std::vector<float> code;
  Json results;  ///< nearest first, at most k: rank, id, distance, similarity, label, path, thumbnail
};
/// An upsert (input defined) or a removal of entry `id` of a mutable index.
struct IndexWrite {
  std::string id;
  torch::Tensor input;  ///< [1, D], normalised
  int64_t label = -1;
};

/// Writes waiting together: one encoder pass, one SQLite transaction (group commit).
constexpr size_t kMaxWriteBatch = 256;

struct ServeApi::Impl {
  ServeParts parts;
  Slots slots;
  RequestBatcher<SearchQuestion, SearchAnswer> searches{
      [this](std::vector<SearchQuestion>& questions) { return search_batch(questions); }, kMaxSearchBatch};
  RequestBatcher<IndexWrite, bool> writes{[this](std::vector<IndexWrite>& batch) { return write_batch(batch); },
                                          kMaxWriteBatch};
  InputShape shape;
  std::vector<std::string> thumbnails;  ///< base64 PNG per index entry, or empty

  size_t max_body = kMaxRequestBody;  ///< the server's limit, set by install()
  bool debug = false;                 ///< show file paths in /api/info

  Impl(ServeParts p, int inference_slots)
      : parts(std::move(p)), slots(inference_slots), shape(input_shape(parts.model)) {
    parts.model.model->eval();
    if (parts.detector) parts.detector->model.model->eval();
    // Thumbnails once at start-up: encoding PNGs per search would cost more than the search.
    const RawData& raw = parts.indexed;
    if (parts.index && raw.is_image && raw.count() == parts.index->size() && raw.sample_shape.size() == 3) {
      const ImageShape image{raw.sample_shape[0], raw.sample_shape[1], raw.sample_shape[2]};
      const int64_t d = raw.features();
      thumbnails.reserve(static_cast<size_t>(raw.count()));
      std::vector<float> pixels(static_cast<size_t>(d));
      for (int64_t i = 0; i < raw.count(); ++i) {
        for (int64_t j = 0; j < d; ++j) pixels[j] = raw.values[i * d + j] / 255.0f;
        thumbnails.push_back(png_base64(pixels, image));
      }
    }
  }

  bool has_index() const { return parts.index || parts.mutable_index; }
  /// Runs `reader` on the index served (a mutable one: while no write changes it).
  template <class Reader>
  auto read_index(Reader&& reader) const {
    if (parts.mutable_index) return parts.mutable_index->read(reader);
    return reader(*parts.index);
  }

  bool is_image() const { return shape.is_image; }
  ImageShape image_shape() const { return {shape.sample_shape[0], shape.sample_shape[1], shape.sample_shape[2]}; }

  /// The request's input, normalised for `model`: [1, D] (see prepare).
  torch::Tensor input(const httplib::Request& req, const LoadedModel& model, Json& warnings) const {
    return prepare(parse_input_body(req.body, req.get_header_value("Content-Type"), input_shape(model), true, max_body),
                   req, model, warnings);
  }

  /// Raw input values → [1, D] for `model`: inverted first with ?invert=1 (images), then compared
  /// with the model's training inputs, each finding appended to `warnings`, then normalised.
  torch::Tensor prepare(std::vector<float> values, const httplib::Request& req, const LoadedModel& model,
                        Json& warnings) const {
    const bool invert = parse_int_param("invert", req.get_param_value("invert"), 0, 1, 0) == 1;
    const InputShape in = input_shape(model);
    if (invert && !in.is_image) throw RequestError(400, "bad_parameter", "invert=1 applies to image models only");
    if (invert) model.normalization.flip(values);
    RawData raw;
    raw.values = std::move(values);
    raw.sample_shape = in.sample_shape;
    raw.is_image = in.is_image;
    if (model.input_profile)
      for (const std::string& w : model.input_profile->warnings(raw, invert ? "drop invert=1" : "add ?invert=1"))
        warnings.push_back(w);
    model.normalization.apply(raw);
    return torch::from_blob(raw.values.data(), {1, raw.features()}, torch::kFloat32).clone();
  }

  /// "warnings" only when there are any: a plain answer keeps its old form.
  static Json with_warnings(Json answer, Json warnings) {
    if (!warnings.empty()) answer["warnings"] = std::move(warnings);
    return answer;
  }

  /// Model output (normalised space) back to [0,1] pixels for a PNG.
  std::vector<float> unit_pixels(const torch::Tensor& normalised) const {
    std::vector<float> v = tensor_values(normalised);
    parts.model.normalization.invert(v, normalised.size(-1));
    for (float& x : v) x /= 255.0f;
    return v;
  }

  Json info() const {
    const LoadedModel& m = parts.model;
    Json j = {{"model",
               {{"spec", m.model->spec().to_json()},
                {"parameters", m.model->parameter_count()},
                {"fingerprint", m.fingerprint},
                {"meta", m.meta}}},
              {"input",
               {{"shape", shape.sample_shape},
                {"is_image", shape.is_image},
                {"units", shape.is_image ? "pixels 0..255" : "raw values"}}},
              {"endpoints",
               {{"encode", true},
                {"reconstruct", true},
                {"search", has_index()},
                {"index_writes", parts.writable},
                {"anomaly", parts.detector.has_value()},
                {"generate", m.model->spec().code_head == CodeHead::gaussian}}}};
    if (has_index())
      read_index([&](const CodeIndex& index) {
        const IndexInfo& info = index.info();
        j["index"] = {{"size", index.size()},
                      {"data", info.data},
                      {"split", info.split},
                      {"kind", info.kind},
                      {"mutable", parts.mutable_index != nullptr},
                      {"similarity_scale", info.similarity_scale},
                      {"thumbnails", !thumbnails.empty()}};
        // A 2-D code space is drawn as a map: up to 2,000 indexed points with their labels.
        if (index.dims() == 2 && info.metric == CodeMetric::euclidean) {
          std::vector<float> codes = index.stored_codes();
          const int64_t n = index.size(), step = std::max<int64_t>(1, n / 2000);
          Json points = Json::array();
          for (int64_t i = 0; i < n; i += step)
            points.push_back({codes[2 * i], codes[2 * i + 1], info.labels.empty() ? -1 : info.labels[i]});
          j["code_map"] = points;
        }
        return 0;
      });
    if (parts.detector) {
      const Detector& d = *parts.detector;
      j["detector"] = {{"score", d.score},
                       {"threshold", d.threshold},
                       {"threshold_rule", d.threshold_rule},
                       {"normal_class", d.normal_class},
                       {"fitted_on", d.fitted_on},
                       {"model_fingerprint", d.model.fingerprint}};
    }
    if (!debug) redact_paths(j);
    return j;
  }

  Json encode(const httplib::Request& req) {
    Json warnings = Json::array();
    torch::Tensor x = input(req, parts.model, warnings);
    c10::InferenceMode mode;
    return with_warnings({{"code", tensor_values(encode_all(parts.model.model, x))}}, warnings);
  }

  Json reconstruct(const httplib::Request& req) {
    Json warnings = Json::array();
    torch::Tensor x = input(req, parts.model, warnings);
    torch::Tensor code, recon;
    {
      c10::InferenceMode mode;
      code = encode_all(parts.model.model, x);
      recon = decode_all(parts.model.model, code);
    }
    std::vector<float> error = tensor_values((recon - x).pow(2));
    double sse = 0;
    for (float e : error) sse += e;
    Json j = {{"code", tensor_values(code)},
              {"sse", sse},
              {"mse_per_pixel", sse / static_cast<double>(error.size())},
              {"pixel_error", error}};
    if (is_image()) {
      std::vector<float> diff = tensor_values((recon - x).abs());
      j["image"] = png_base64(unit_pixels(recon), image_shape());
      j["error_image"] = png_base64(diff, image_shape());
    } else {
      std::vector<float> v = tensor_values(recon);
      parts.model.normalization.invert(v, recon.size(1));
      j["reconstruction"] = v;
    }
    return with_warnings(std::move(j), warnings);
  }

  /// The searches waiting at one moment: one encoder pass and one index search for all of them.
  std::vector<SearchAnswer> search_batch(std::vector<SearchQuestion>& questions) {
    // FAISS opens an OpenMP team on every search (HNSW: even for one query); in a request
    // thread that team would only wait for a second core another request is using.
    thread_local const bool one_omp_thread = (omp_set_num_threads(1), true);
    (void)one_omp_thread;
    std::vector<torch::Tensor> rows;
    int64_t k = 1, nprobe = 0;  // a batch visits as many cells as its most demanding question
    for (const SearchQuestion& q : questions) {
      rows.push_back(q.input);
      k = std::max(k, q.k);
      nprobe = std::max(nprobe, q.nprobe);
    }
    c10::InferenceMode mode;
    const int64_t n = static_cast<int64_t>(rows.size());
    std::vector<float> codes = tensor_values(encode_all(parts.model.model, torch::cat(rows)));
    const size_t dims = codes.size() / static_cast<size_t>(n);
    std::vector<SearchAnswer> answers(questions.size());
    // The rows are made under the same read as the search: a write cannot move an entry between.
    read_index([&](const CodeIndex& index) {
      std::vector<std::vector<SearchHit>> hits = index.search(codes.data(), n, k, nprobe);
      const IndexInfo& info = index.info();
      for (size_t i = 0; i < answers.size(); ++i) {
        answers[i].code.assign(codes.begin() + i * dims, codes.begin() + (i + 1) * dims);
        answers[i].results = Json::array();
        for (size_t rank = 0; rank < hits[i].size() && rank < static_cast<size_t>(questions[i].k); ++rank) {
          const SearchHit& hit = hits[i][rank];
          const auto at = static_cast<size_t>(hit.id);
          Json row = {{"rank", rank + 1},
                      {"id", latent::entry_id(info, hit.id)},
                      {"distance", hit.distance},
                      {"similarity", hit.similarity}};
          if (!info.labels.empty() && info.labels[at] >= 0) row["label"] = info.labels[at];
          if (!info.paths.empty()) row["path"] = info.paths[at];
          if (!thumbnails.empty()) row["thumbnail"] = thumbnails[at];
          answers[i].results.push_back(std::move(row));
        }
      }
      return 0;
    });
    return answers;
  }

  Json search(const httplib::Request& req) {
    if (!has_index())
      throw RequestError(404, "no_index", "search needs an index: start latent serve with --index FILE");
    const int64_t k = parse_int_param("k", req.get_param_value("k"), 1, 100, 10);
    const int64_t nprobe = parse_int_param("nprobe", req.get_param_value("nprobe"), 0, 65536, 0);
    Json warnings = Json::array();
    SearchAnswer answer = searches.submit({input(req, parts.model, warnings), k, nprobe});
    return with_warnings({{"code", answer.code}, {"results", std::move(answer.results)}}, warnings);
  }

  /// The writes waiting together: one encoder pass for the upserts, one transaction for all.
  std::vector<bool> write_batch(std::vector<IndexWrite>& batch) {
    std::vector<torch::Tensor> inputs;
    for (const IndexWrite& w : batch)
      if (w.input.defined()) inputs.push_back(w.input);
    std::vector<float> codes;
    if (!inputs.empty()) {
      c10::InferenceMode mode;
      codes = tensor_values(encode_all(parts.model.model, torch::cat(inputs)));
    }
    const size_t dims = inputs.empty() ? 0 : codes.size() / inputs.size();
    std::vector<IndexChange> changes;
    size_t next = 0;
    for (const IndexWrite& w : batch) {
      IndexChange change{{w.id, {}, w.label}, !w.input.defined()};
      if (!change.remove) {
        change.entry.code.assign(codes.begin() + next * dims, codes.begin() + (next + 1) * dims);
        ++next;
      }
      changes.push_back(std::move(change));
    }
    return parts.mutable_index->write(changes);
  }

  /// The entry id of /api/index/ID, checked, and the index it may change.
  std::string entry_id(const httplib::Request& req, bool changes) const {
    if (!has_index())
      throw RequestError(404, "no_index", "/api/index needs an index: start latent serve with --index FILE");
    if (!parts.mutable_index)
      throw RequestError(403, "read_only",
                         "this index is a read-only snapshot (latent index build); serve a mutable one "
                         "(latent index add) with --writable to change it");
    if (changes && !parts.writable)
      throw RequestError(403, "read_only", "this index is served read-only: start latent serve with --writable");
    const std::string id = req.matches[1];
    try {
      check_entry_id(id);
    } catch (const Error& e) {
      throw RequestError(400, "bad_id", e.what());
    }
    return id;
  }

  Json put_entry(const httplib::Request& req) {
    const std::string id = entry_id(req, true);
    const int64_t label =
        parse_int_param("label", req.get_param_value("label"), -1, std::numeric_limits<int32_t>::max(), -1);
    Json warnings = Json::array();
    const bool replaced = writes.submit({id, input(req, parts.model, warnings), label});
    return with_warnings({{"id", id}, {"replaced", replaced}}, warnings);
  }

  Json delete_entry(const httplib::Request& req) {
    const std::string id = entry_id(req, true);
    if (!writes.submit({id, torch::Tensor(), -1}))
      throw RequestError(404, "no_entry", "no entry with this id in the index");
    return {{"id", id}, {"removed", true}};
  }

  Json get_entry(const httplib::Request& req) {
    const std::string id = entry_id(req, false);
    const std::optional<IndexEntry> entry = parts.mutable_index->get(id);
    if (!entry) throw RequestError(404, "no_entry", "no entry with this id in the index");
    Json j = {{"id", entry->id}, {"code", entry->code}};
    if (entry->label >= 0) j["label"] = entry->label;
    return j;
  }

  Json anomaly(const httplib::Request& req) {
    if (!parts.detector)
      throw RequestError(404, "no_detector", "anomaly needs a detector: start latent serve with --detector FILE");
    Detector& d = *parts.detector;
    Json warnings = Json::array();
    const std::optional<TableSchema>& table = d.model.normalization.table;
    torch::Tensor x = table ? make_dataset(parse_table_row(req.body, table->names(false), table->names(true), max_body),
                                           d.model.normalization)
                                  .x
                            : input(req, d.model, warnings);
    double score;
    Json explain = Json::array();
    {
      c10::InferenceMode mode;
      score = anomaly_scores(d, x).front();
      if (table && d.score == "sse") {
        const std::vector<std::vector<ScoreShare>> shares = explain_scores(d, x, 3);
        for (const ScoreShare& share : shares.front())
          explain.push_back({{"column", share.column}, {"share", share.share}});
      }
    }
    Json answer = {{"score", score},
                   {"threshold", d.threshold},
                   {"threshold_rule", d.threshold_rule},
                   {"is_anomaly", score > d.threshold},
                   {"score_kind", d.score},
                   {"normal_class", d.normal_class}};
    if (!explain.empty()) answer["explain"] = explain;
    return with_warnings(answer, warnings);
  }

  Json generate(const httplib::Request& req) {
    Autoencoder& model = parts.model.model;
    if (model->spec().code_head != CodeHead::gaussian)
      throw RequestError(404, "not_a_vae",
                         "generate needs a variational autoencoder (latent train --type vae); this model's "
                         "type is " +
                             name_of(model->spec().type()));
    const int64_t count = parse_int_param("count", req.get_param_value("count"), 1, 64, 8);
    const int64_t seed = parse_int_param("seed", req.get_param_value("seed"), 0, int64_t{1} << 53, 0);
    const double spread = parse_double_param("spread", req.get_param_value("spread"), 0, 10, 1);
    std::vector<float> values =
        parse_input_body(req.body, req.get_header_value("Content-Type"), shape, false, max_body);
    const bool variations = !values.empty();
    Json warnings = Json::array();
    torch::Tensor images;
    {
      c10::InferenceMode mode;
      if (variations) {
        torch::Tensor x = prepare(std::move(values), req, parts.model, warnings);
        images = sample_variations(model, x, count, spread, static_cast<uint64_t>(seed));
      } else {
        images = sample_prior(model, count, static_cast<uint64_t>(seed));
      }
    }
    Json out = Json::array();
    for (int64_t i = 0; i < count; ++i) {
      if (is_image()) {
        out.push_back(png_base64(unit_pixels(images[i]), image_shape()));
      } else {
        std::vector<float> v = tensor_values(images[i]);
        parts.model.normalization.invert(v, static_cast<int64_t>(v.size()));
        out.push_back(v);
      }
    }
    return with_warnings(
        {{"mode", variations ? "variations" : "prior"}, {"seed", seed}, {is_image() ? "images" : "samples", out}},
        warnings);
  }
};

ServeApi::ServeApi(ServeParts parts, int inference_slots)
    : impl_(std::make_unique<Impl>(std::move(parts), inference_slots)) {}
ServeApi::~ServeApi() = default;

nlohmann::json ServeApi::info() const { return impl_->info(); }

void ServeApi::install(HttpServer& server, const std::string& token, bool debug) {
  Impl* impl = impl_.get();
  impl->max_body = server.limits().head.max_body;
  impl->debug = debug;
  auto reply = [](httplib::Response& res, int status, const Json& body) {
    res.status = status;
    res.set_content(body.dump(), "application/json");
  };
  // Every handler: JSON out, RequestError → its status, other bad input → 400, anything else → 500.
  auto internal = [reply, debug](httplib::Response& res, const char* what) {
    reply(res, 500, error_body("internal", debug ? what : "internal error (latent serve --debug shows the cause)"));
  };
  auto wrap = [reply, internal](std::function<Json(const httplib::Request&)> fn) {
    return [reply, internal, fn](const httplib::Request& req, httplib::Response& res) {
      try {
        reply(res, 200, fn(req));
      } catch (const RequestError& e) {
        reply(res, e.status, error_body(e.code, e.what()));
      } catch (const Error& e) {
        reply(res, 400, error_body("bad_request", e.what()));
      } catch (const c10::Error& e) {
        internal(res, e.what_without_backtrace());
      } catch (const std::exception& e) {
        internal(res, e.what());
      }
    };
  };
  auto wrong_method = [reply](const char* allowed) {
    return [reply, allowed](const httplib::Request& req, httplib::Response& res) {
      res.set_header("Allow", allowed);
      reply(res, 405, error_body("method_not_allowed", req.method + " " + req.path + ": use " + allowed));
    };
  };

  server.Get("/healthz", [reply, &server](const httplib::Request&, httplib::Response& res) {
    HttpStats s = server.stats();
    reply(res, 200,
          {{"status", "ok"},
           {"open_connections", s.open_connections},
           {"connections", s.connections},
           {"rejected", s.rejected},
           {"timed_out", s.timed_out}});
  });
  server.Get("/api/info", wrap([impl](const httplib::Request&) { return impl->info(); }));
  const std::vector<std::pair<std::string, Json (Impl::*)(const httplib::Request&)>> posts = {
      {"/api/encode", &Impl::encode},
      {"/api/reconstruct", &Impl::reconstruct},
      {"/api/search", &Impl::search},
      {"/api/anomaly", &Impl::anomaly},
      {"/api/generate", &Impl::generate}};
  for (const auto& [path, method] : posts) {
    auto m = method;
    if (m == &Impl::search) {
      // Not in a slot: the searches waiting are computed together (RequestBatcher), one batch at a time.
      server.Post(path, wrap([impl](const httplib::Request& req) { return impl->search(req); }));
    } else {
      server.Post(path, wrap([impl, m](const httplib::Request& req) {
                    Slots::Guard slot(impl->slots);  // parsing and answering are compute too
                    return (impl->*m)(req);
                  }));
    }
    server.Get(path, wrong_method("POST"));
  }
  const char* entry = R"(/api/index/(.+))";
  server.Put(entry, wrap([impl](const httplib::Request& req) { return impl->put_entry(req); }));
  server.Delete(entry, wrap([impl](const httplib::Request& req) { return impl->delete_entry(req); }));
  server.Get(entry, wrap([impl](const httplib::Request& req) { return impl->get_entry(req); }));
  server.Post(entry, wrong_method("GET, PUT, DELETE"));
  server.Post("/api/info", wrong_method("GET"));
  server.Post("/healthz", wrong_method("GET"));
  server.Get(R"(/[a-z./]*)", [reply](const httplib::Request& req, httplib::Response& res) {
    const WebAsset* asset = find_web_asset(req.path == "/index.html" ? "/" : req.path);
    if (!asset) return reply(res, 404, error_body("not_found", "no such page: " + req.path.substr(0, 100)));
    res.set_content(reinterpret_cast<const char*>(asset->data), asset->size, asset->content_type);
  });

  // Before routing (so before any body is read): the token, when one is set, on /api/*. Content
  // encodings were refused with the request head (request_head.h).
  server.set_pre_routing_handler([reply, token](const httplib::Request& req, httplib::Response& res) {
    if (token.empty() || req.path.rfind("/api/", 0) != 0) return httplib::Server::HandlerResponse::Unhandled;
    if (constant_time_equal(req.get_header_value("Authorization"), "Bearer " + token))
      return httplib::Server::HandlerResponse::Unhandled;
    res.set_header("WWW-Authenticate", "Bearer");
    reply(res, 401, error_body("unauthorized", "this server needs the header Authorization: Bearer TOKEN"));
    return httplib::Server::HandlerResponse::Handled;
  });
  // Errors httplib produces itself (unknown route, body over the limit, bad request line) get
  // the same JSON shape as ours.
  server.set_error_handler(
      httplib::Server::HandlerWithResponse([reply](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string message = res.status == 404   ? "no such endpoint: " + req.method + " " + req.path.substr(0, 100)
                              : res.status == 413 ? "the body is larger than the limit (--max-body)"
                                                  : "bad request (" + std::to_string(res.status) + ")";
        reply(res, res.status, error_body(status_code_name(res.status), message));
        return httplib::Server::HandlerResponse::Handled;
      }));
}

}  // namespace latent
