#include "latent/eval/retrieval_baselines.h"

#include <faiss/IndexLSH.h>
#include <faiss/VectorTransform.h>

#include <algorithm>

#include "latent/base/error.h"
#include "latent/eval/code_features.h"
#include "latent/model/evaluate.h"
#include "latent/search/binary_codes.h"

namespace latent {
namespace {

// Full ITQ: V = PCA(x); R ← Procrustes(V, sign(V R)) 50 times; bits = V R > 0.
torch::Tensor itq_rotation(const torch::Tensor& projected, uint64_t seed) {
  const int64_t bits = projected.size(1);
  torch::Generator gen = at::detail::createCPUGenerator(seed);
  torch::Tensor r = std::get<0>(torch::linalg::qr(torch::randn({bits, bits}, gen, torch::kDouble)));
  for (int iteration = 0; iteration < 50; ++iteration) {
    torch::Tensor b = torch::sign(projected.mm(r));
    b.masked_fill_(b == 0, 1);
    // min ||B − V R||_F over orthogonal R: with Vᵀ B = U S Wᵀ, R = U Wᵀ.
    auto [u, s, wt] = torch::linalg::svd(projected.t().mm(b), false, c10::nullopt);
    r = u.mm(wt);
  }
  return r;
}

}  // namespace

const std::vector<std::string>& baseline_kinds() {
  static const std::vector<std::string> kinds = {"itq", "faiss-itq", "lsh", "pca", "pixels"};
  return kinds;
}

BaselineCodes make_baseline(const std::string& kind, int64_t bits, const torch::Tensor& database_rows,
                            const torch::Tensor& query_rows, uint64_t seed) {
  const auto [database, queries] = fill_missing_cells(database_rows, query_rows);
  if (std::find(baseline_kinds().begin(), baseline_kinds().end(), kind) == baseline_kinds().end())
    throw SettingError("baseline", "'" + kind + "': expected itq, faiss-itq, lsh, pca or pixels");
  const int64_t d = database.size(1), n = database.size(0), m = queries.size(0);
  BaselineCodes codes;
  if (kind == "pixels") {
    codes.name = "pixels";
    codes.dims = d;
    codes.database = tensor_values(database);
    codes.queries = tensor_values(queries);
    return codes;
  }
  if (bits < 1 || bits > d)
    throw SettingError("bits", "must be between 1 and " + std::to_string(d) + " for --baseline " + kind);
  codes.name = kind + "-" + std::to_string(bits);
  codes.dims = bits;
  codes.binary = kind != "pca";
  if (codes.binary && bits % 8 != 0) throw SettingError("bits", "must be a multiple of 8 for binary baselines");
  torch::NoGradGuard no_grad;
  if (kind == "pca" || kind == "itq") {
    const Pca pca = fit_pca(database, bits);
    const torch::Tensor mean = pca.mean.to(torch::kDouble), axes = pca.components.to(torch::kDouble);
    torch::Tensor db = (database.to(torch::kDouble) - mean).mm(axes);
    torch::Tensor q = (queries.to(torch::kDouble) - mean).mm(axes);
    if (kind == "pca") {
      codes.database = tensor_values(db);
      codes.queries = tensor_values(q);
      return codes;
    }
    torch::Tensor r = itq_rotation(db, seed);
    // Bit = (V R > 0), packed like every binary code here.
    codes.database_bits = pack_bits(tensor_values(db.mm(r)).data(), n, bits, 0.0f);
    codes.query_bits = pack_bits(tensor_values(q.mm(r)).data(), m, bits, 0.0f);
    return codes;
  }
  std::vector<float> db = tensor_values(database), q = tensor_values(queries);
  if (kind == "faiss-itq") {
    faiss::ITQTransform itq(static_cast<int>(d), static_cast<int>(bits), /*do_pca=*/true);
    itq.train(n, db.data());
    std::vector<float> tdb(static_cast<size_t>(n * bits)), tq(static_cast<size_t>(m * bits));
    itq.apply_noalloc(n, db.data(), tdb.data());
    itq.apply_noalloc(m, q.data(), tq.data());
    codes.database_bits = pack_bits(tdb.data(), n, bits, 0.0f);
    codes.query_bits = pack_bits(tq.data(), m, bits, 0.0f);
    return codes;
  }
  faiss::IndexLSH lsh(d, static_cast<int>(bits));  // random rotation, thresholds at 0
  lsh.train(n, db.data());
  codes.database_bits.resize(static_cast<size_t>(n * bits / 8));
  codes.query_bits.resize(static_cast<size_t>(m * bits / 8));
  lsh.sa_encode(n, db.data(), codes.database_bits.data());
  lsh.sa_encode(m, q.data(), codes.query_bits.data());
  return codes;
}

}  // namespace latent
