// Score the rows of a CSV file with a detector (`latent anomaly fit` writes one) and print the
// rows above its threshold. Usage: score_csv DETECTOR CSV
#include <latent/latent.h>

#include <iostream>

int main(int argc, char** argv) try {
  if (argc != 3) {
    std::cerr << "usage: score_csv DETECTOR CSV\n";
    return 2;
  }
  const auto detector = latent::api::Detector::load(argv[1]);
  const std::vector<double> scores = detector.score_csv(argv[2]);
  std::cout << "threshold " << detector.threshold() << "\n";
  for (size_t row = 0; row < scores.size(); ++row)
    if (scores[row] > detector.threshold()) std::cout << "row " << row + 1 << ": " << scores[row] << "\n";
} catch (const latent::Error& e) {
  std::cerr << "score_csv: " << e.what() << "\n";
  return 2;
}
