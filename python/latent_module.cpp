// `import latent`: the facade (latent/latent.h) for numpy users. Arrays are float32 rows in and
// out; an array already float32 and C-ordered is read in place, results are handed over without a
// copy. The GIL is released while C++ runs, and latent::Error is latent.Error.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <utility>

#include "latent/latent.h"

namespace py = pybind11;
using namespace latent::api;

namespace {

using FloatRows = py::array_t<float, py::array::c_style | py::array::forcecast>;

MatrixView view_of(const FloatRows& x, const char* what) {
  if (x.ndim() == 1) return {x.data(), 1, x.shape(0)};
  if (x.ndim() != 2) throw latent::Error(std::string(what) + " must be a 2-D array (rows of numbers)");
  return {x.data(), x.shape(0), x.shape(1)};
}

// The matrix's values become the array's memory.
py::array_t<float> to_array(Matrix&& m) {
  auto* values = new std::vector<float>(std::move(m.values));
  py::capsule owner(values, [](void* p) { delete static_cast<std::vector<float>*>(p); });
  return py::array_t<float>({m.rows, m.cols}, values->data(), owner);
}

py::array_t<double> to_array(std::vector<double>&& v) {
  auto* values = new std::vector<double>(std::move(v));
  py::capsule owner(values, [](void* p) { delete static_cast<std::vector<double>*>(p); });
  return py::array_t<double>(static_cast<py::ssize_t>(values->size()), values->data(), owner);
}

// Runs f on the rows of x without the GIL (x stays alive and unchanged: the caller holds it).
template <class F>
auto on_rows(const FloatRows& x, const char* what, F&& f) {
  const MatrixView view = view_of(x, what);
  py::gil_scoped_release free;
  return f(view);
}

py::list hit_lists(const std::vector<std::vector<Hit>>& found) {
  py::list out;
  for (const auto& hits : found) {
    py::list row;
    for (const Hit& h : hits) row.append(py::make_tuple(h.id, h.distance, h.similarity));
    out.append(row);
  }
  return out;
}

CodeKind kind_named(const std::string& name) {
  if (name == "numbers") return CodeKind::numbers;
  if (name == "variational") return CodeKind::variational;
  if (name == "bits") return CodeKind::bits;
  throw latent::Error("kind must be numbers, variational or bits, not '" + name + "'");
}

// The keyword arguments train() and train_csv() share, as the facade's options.
TrainOptions train_options(const std::string& kind, std::vector<int64_t> layers, int64_t code_size, bool pixels,
                           int epochs, int64_t batch, double learning_rate, double validation, uint64_t seed) {
  TrainOptions options;
  options.kind = kind_named(kind);
  options.layers = std::move(layers);
  options.code_size = code_size;
  options.pixels = pixels;
  options.epochs = epochs;
  options.batch = batch;
  options.learning_rate = learning_rate;
  options.validation = validation;
  options.seed = seed;
  return options;
}

const char* kind_name(CodeKind kind) {
  switch (kind) {
    case CodeKind::variational:
      return "variational";
    case CodeKind::bits:
      return "bits";
    case CodeKind::numbers:
      break;
  }
  return "numbers";
}

}  // namespace

PYBIND11_MODULE(latent, m) {
  m.doc() =
      "latent: autoencoders. Train or load a model, encode and decode float32 arrays and image files, "
      "search codes in an index, score anomalies.";
  m.attr("__version__") = version();
  py::register_exception<latent::Error>(m, "Error", PyExc_ValueError);
  m.def("set_threads", &set_threads, py::arg("threads"), "Threads for everything that follows (0: one per core).");
  m.def("show_progress", &show_progress, py::arg("on"), "Progress lines on stderr while training (off by default).");

  py::class_<Model>(m, "Model", "A trained autoencoder. Arrays are rows of values as it was trained on.")
      .def_property_readonly("input_size", &Model::input_size)
      .def_property_readonly("code_size", &Model::code_size)
      .def_property_readonly(
          "kind", [](const Model& self) { return kind_name(self.code_kind()); }, "numbers, variational or bits")
      .def("__repr__", [](const Model& self) { return "<latent.Model " + self.summary() + ">"; })
      .def(
          "encode",
          [](const Model& self, const FloatRows& x) {
            return to_array(on_rows(x, "x", [&](MatrixView v) { return self.encode(v); }));
          },
          py::arg("x"), "Rows [N, input_size] -> codes [N, code_size] (float32).")
      .def(
          "decode",
          [](const Model& self, const FloatRows& codes) {
            return to_array(on_rows(codes, "codes", [&](MatrixView v) { return self.decode(v); }));
          },
          py::arg("codes"), "Codes [N, code_size] -> rows [N, input_size] in the data's own scale.")
      .def(
          "reconstruct",
          [](const Model& self, const FloatRows& x) {
            return to_array(on_rows(x, "x", [&](MatrixView v) { return self.reconstruct(v); }));
          },
          py::arg("x"), "decode(encode(x)).")
      .def(
          "fill_csv",
          [](const Model& self, const std::string& path) {
            py::gil_scoped_release free;
            return self.fill_csv(path);
          },
          py::arg("path"),
          "A table model: the CSV file as CSV text, its cells as the file gives them and the model's values "
          "only in its empty cells (the label column left out).")
      .def(
          "encode_images",
          [](const Model& self, const std::vector<std::string>& paths) {
            Matrix codes;
            {
              py::gil_scoped_release free;
              codes = self.encode_images(paths);
            }
            return to_array(std::move(codes));
          },
          py::arg("paths"), "Image files read as the training images were -> codes.")
      .def("save", &Model::save, py::arg("path"), py::call_guard<py::gil_scoped_release>(),
           "Writes the model file (the latent CLI and server read it).");

  m.def("load", &Model::load, py::arg("path"), py::call_guard<py::gil_scoped_release>(), "Loads a model file.");
  m.def(
      "train",
      [](const FloatRows& x, const std::string& kind, std::vector<int64_t> layers, int64_t code_size, bool pixels,
         int epochs, int64_t batch, double learning_rate, double validation, uint64_t seed) {
        const TrainOptions options =
            train_options(kind, std::move(layers), code_size, pixels, epochs, batch, learning_rate, validation, seed);
        return on_rows(x, "x", [&](MatrixView v) { return Model::train(v, options); });
      },
      py::arg("x"), py::kw_only(), py::arg("kind") = "numbers", py::arg("layers") = std::vector<int64_t>{},
      py::arg("code_size") = 0, py::arg("pixels") = false, py::arg("epochs") = 0, py::arg("batch") = 0,
      py::arg("learning_rate") = 0, py::arg("validation") = 0.1, py::arg("seed") = 0,
      "Trains an autoencoder on the rows of x and returns it. kind: numbers | variational | bits; pixels: "
      "x holds pixels 0..255; the best epoch on the held-out share `validation` is kept. Settings left [] "
      "or 0 take what `latent train` takes: for a table 64 hidden, a code of at most half the columns and "
      "at most 8, epochs for about 500,000 rows seen; for bits of pixels the hashing recipe (1000-500-250, "
      "batch 256, bit balance and decorrelation, input noise, the neighbour pull up to 200,000 rows); "
      "else no hidden layer, a code of 32, 20 epochs, batch 128, learning rate 3e-3. NaN is a missing "
      "cell of a table.");

  m.def(
      "train_csv",
      [](const std::string& path, const std::string& label, const std::string& kind, std::vector<int64_t> layers,
         int64_t code_size, int epochs, int64_t batch, double learning_rate, double validation, uint64_t seed) {
        const TrainOptions options =
            train_options(kind, std::move(layers), code_size, false, epochs, batch, learning_rate, validation, seed);
        py::gil_scoped_release free;
        return Model::train_csv(path, options, label);
      },
      py::arg("path"), py::kw_only(), py::arg("label") = "auto", py::arg("kind") = "numbers",
      py::arg("layers") = std::vector<int64_t>{}, py::arg("code_size") = 0, py::arg("epochs") = 0, py::arg("batch") = 0,
      py::arg("learning_rate") = 0, py::arg("validation") = 0.1, py::arg("seed") = 0,
      "Trains on a CSV file as `latent train --data csv:PATH,label=LABEL` reads it: numbers (also as "
      "spreadsheets format them: $1,200.50, 45%), words as categories, empty or NA cells as missing, columns "
      "that only tell rows apart (an id counting up, a name in every row) left out. label: auto (a column "
      "named label, class or target), a column name, first, last or none. Other settings as train().");

  py::class_<Index>(m, "Index",
                    "Codes under string ids. create() makes a file that takes add/remove (each on disk when the call "
                    "returns); open() also reads the snapshots `latent index build` writes.")
      .def_static("create", &Index::create, py::arg("path"), py::arg("model"), py::call_guard<py::gil_scoped_release>(),
                  "A new, empty index file for the model's codes.")
      .def_static("open", &Index::open, py::arg("path"), py::call_guard<py::gil_scoped_release>())
      .def(
          "add",
          [](Index& self, const std::vector<std::string>& ids, const FloatRows& codes) {
            on_rows(codes, "codes", [&](MatrixView v) {
              self.add(ids, v);
              return 0;
            });
          },
          py::arg("ids"), py::arg("codes"), "Upserts: ids[i] gets codes[i].")
      .def("remove", &Index::remove, py::arg("ids"), py::call_guard<py::gil_scoped_release>(),
           "Removes the ids; returns how many were there.")
      .def("__len__", &Index::size)
      .def(
          "search",
          [](const Index& self, const FloatRows& queries, int64_t k) {
            return hit_lists(on_rows(queries, "queries", [&](MatrixView v) { return self.search(v, k); }));
          },
          py::arg("queries"), py::arg("k") = 10,
          "Per query row, the k nearest as (id, distance, similarity %) tuples, nearest first.")
      .def(
          "search_radius",
          [](const Index& self, const FloatRows& queries, int radius) {
            return hit_lists(on_rows(queries, "queries", [&](MatrixView v) { return self.search_radius(v, radius); }));
          },
          py::arg("queries"), py::arg("radius"), "Bits: every code within Hamming distance radius, exact.");

  py::class_<Detector>(m, "Detector", "One-class detection: high scores are unlike the normal rows.")
      .def_static(
          "fit",
          [](const Model& model, const FloatRows& normal, const std::string& score, const std::string& threshold) {
            return on_rows(normal, "normal", [&](MatrixView v) { return Detector::fit(model, v, score, threshold); });
          },
          py::arg("model"), py::arg("normal"), py::arg("score") = "auto", py::arg("threshold") = "quantile:0.95",
          "Fits a score (auto: smooth-sse for images, else sse; sse, bce, smooth-sse, code, sse+code, elbo) and a "
          "threshold rule (quantile:Q, fpr:R, "
          "contamination:C, sigma:K) on normal rows.")
      .def_static("fit_csv", &Detector::fit_csv, py::arg("model"), py::arg("path"), py::arg("score") = "auto",
                  py::arg("threshold") = "quantile:0.95", py::call_guard<py::gil_scoped_release>(),
                  "As fit, on the rows of a CSV file of normal rows read through the model's table schema.")
      .def_static("load", &Detector::load, py::arg("path"), py::call_guard<py::gil_scoped_release>(),
                  "A detector file (`latent anomaly fit` writes them).")
      .def("save", &Detector::save, py::arg("path"), py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("threshold", &Detector::threshold)
      .def(
          "score",
          [](const Detector& self, const FloatRows& x) {
            return to_array(on_rows(x, "x", [&](MatrixView v) { return self.score(v); }));
          },
          py::arg("x"), "One score per row (float64).")
      .def(
          "score_csv",
          [](const Detector& self, const std::string& path) {
            std::vector<double> scores;
            {
              py::gil_scoped_release free;
              scores = self.score_csv(path);
            }
            return to_array(std::move(scores));
          },
          py::arg("path"), "The rows of a CSV file, read through the model's table schema.")
      .def(
          "explain",
          [](const Detector& self, const FloatRows& x, int64_t top) {
            const auto shares = on_rows(x, "x", [&](MatrixView v) { return self.explain(v, top); });
            py::list out;
            for (const auto& row : shares) {
              py::list columns;
              for (const Share& s : row) columns.append(py::make_tuple(s.column, s.share));
              out.append(columns);
            }
            return out;
          },
          py::arg("x"), py::arg("top") = 3, "Per row, the top (column, share of the score) pairs.");
}
