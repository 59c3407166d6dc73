// Index a folder of images with a model, then rank them by similarity to a query image.
// Usage: search_images MODEL FOLDER QUERY [K=5]
#include <latent/latent.h>

#include <filesystem>
#include <iostream>

int main(int argc, char** argv) try {
  if (argc < 4) {
    std::cerr << "usage: search_images MODEL FOLDER QUERY [K=5]\n";
    return 2;
  }
  const auto model = latent::api::Model::load(argv[1]);
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(argv[2])) files.push_back(entry.path().string());
  const std::string index_path = (std::filesystem::temp_directory_path() / "search_images.index").string();
  std::filesystem::remove(index_path);
  auto index = latent::api::Index::create(index_path, model);
  index.add(files, model.encode_images(files).view());
  const auto query = model.encode_images({argv[3]});
  const auto hits = index.search(query.view(), argc > 4 ? std::stoll(argv[4]) : 5);
  for (const auto& hit : hits.front()) std::cout << hit.similarity << "% " << hit.id << "\n";
  std::filesystem::remove(index_path);
} catch (const latent::Error& e) {
  std::cerr << "search_images: " << e.what() << "\n";
  return 2;
}
