"""`import latent` as a numpy user meets it: arrays in and out, files, errors, the GIL.

Run: PYTHONPATH=BUILD/python /usr/bin/python3 -m unittest discover -s tests/python
"""
import os
import tempfile
import threading
import time
import unittest

import numpy as np

import latent


def rows(n, seed, far=0.0):
    """n rows of 6 numbers near one of two centres (row r in cluster r % 2), or `far` from both."""
    rng = np.random.default_rng(seed)
    sign = np.where(np.arange(n) % 2 == 1, 1.0, -1.0)[:, None]
    centre = sign * np.array([0.5, 1.0] * 3)
    return (centre + far + rng.normal(0, 0.1, (n, 6))).astype(np.float32)


class LatentTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        latent.set_threads(1)
        cls.model = latent.train(rows(400, 1), layers=[16], code_size=2, epochs=40, batch=32, seed=3)
        cls.dir = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def path(self, name):
        return os.path.join(self.dir.name, name)

    def test_encode_decode_in_the_data_scale(self):
        x = rows(100, 2)
        codes = self.model.encode(x)
        self.assertEqual(codes.shape, (100, 2))
        self.assertEqual(codes.dtype, np.float32)
        self.assertFalse(codes.flags.owndata)  # handed over from C++, not copied
        back = self.model.reconstruct(x)
        self.assertLess(float(np.mean((back - x) ** 2)), 0.05)
        np.testing.assert_allclose(self.model.decode(codes), back, atol=1e-5)
        # float64 and Fortran-ordered input is converted, not refused
        np.testing.assert_allclose(self.model.encode(np.asfortranarray(x.astype(np.float64))), codes, atol=1e-6)
        self.model.save(self.path("m.model"))
        np.testing.assert_array_equal(latent.load(self.path("m.model")).encode(x), codes)
        self.assertEqual((self.model.input_size, self.model.code_size, self.model.kind), (6, 2, "numbers"))

    def test_index_add_search_remove(self):
        index = latent.Index.create(self.path("i.index"), self.model)
        codes = self.model.encode(rows(20, 4))
        index.add([f"row-{i}" for i in range(20)], codes)
        self.assertEqual(len(index), 20)
        hits = index.search(codes, k=3)
        self.assertEqual(hits[7][0][0], "row-7")
        self.assertEqual(hits[7][0][2], 100.0)
        self.assertEqual(index.remove(["row-7", "nothing"]), 1)
        self.assertEqual(len(latent.Index.open(self.path("i.index"))), 19)
        with self.assertRaisesRegex(latent.Error, "bits"):
            index.search_radius(codes, 1)

    def test_detector_scores_and_explains(self):
        detector = latent.Detector.fit(self.model, rows(200, 5))
        normal = detector.score(rows(50, 6))
        far = detector.score(rows(50, 7, far=3.0))
        self.assertEqual(far.dtype, np.float64)
        self.assertLessEqual(int((normal > detector.threshold).sum()), 10)
        self.assertEqual(int((far > detector.threshold).sum()), 50)
        shares = detector.explain(rows(2, 8, far=3.0), top=2)
        self.assertEqual(len(shares), 2)
        self.assertTrue(shares[0][0][0].startswith("column "))
        detector.save(self.path("d.det"))
        np.testing.assert_array_equal(latent.Detector.load(self.path("d.det")).score(rows(5, 9)),
                                      detector.score(rows(5, 9)))

    def test_train_and_fit_on_a_csv(self):
        """A CSV with words, blanks and an id column (left out), as `latent train` reads it."""
        rng = np.random.default_rng(4)
        path = self.path("t.csv")
        with open(path, "w") as f:
            f.write("id,size,weight,colour\n")
            for i in range(300):
                s = rng.uniform(1, 9)
                f.write(f"{i},{'' if i % 13 == 5 else f'{s:.3f}'},{3 * s + rng.normal(0, 0.2):.3f},"
                        f"{'red' if s > 5 else 'blue'}\n")
        model = latent.train_csv(path, epochs=40, seed=1)
        self.assertIn("5-64-2", str(model))
        detector = latent.Detector.fit_csv(model, path, threshold="quantile:0.99")
        scores = detector.score_csv(path)
        self.assertEqual(scores.shape, (300,))
        self.assertLessEqual(int(np.sum(scores > detector.threshold)), 9)
        with self.assertRaises(latent.Error):
            latent.train_csv(self.path("none.csv"))
        # Imputation: the file back with its given cells as written, and the blank sizes filled
        # nearer weight / 3 than the column's mean fills them.
        lines = model.fill_csv(path).splitlines()
        with open(path) as f:
            written = f.read().splitlines()
        self.assertEqual(lines[0], "id,size,weight,colour")
        self.assertEqual([l for i, l in enumerate(lines[1:]) if i % 13 != 5],
                         [l for i, l in enumerate(written[1:]) if i % 13 != 5])
        filled = np.array([[float(v) for v in l.split(",")[1:3]] for i, l in enumerate(lines[1:]) if i % 13 == 5])
        mean = np.mean([float(l.split(",")[1]) for i, l in enumerate(written[1:]) if i % 13 != 5])
        truth = filled[:, 1] / 3
        self.assertLess(np.abs(filled[:, 0] - truth).mean(), 0.5 * np.abs(mean - truth).mean())
        with self.assertRaises(latent.Error):
            self.model.fill_csv(path)

    def test_bad_input_is_one_line_latent_error(self):
        with self.assertRaises(latent.Error) as caught:
            self.model.encode(np.zeros((2, 7), np.float32))
        self.assertEqual(str(caught.exception), "the rows have 7 columns, the model's table 6")
        with self.assertRaises(latent.Error):
            latent.load(self.path("missing.model"))
        with self.assertRaises(latent.Error):
            latent.train(rows(10, 1), kind="quantum")
        with self.assertRaises(latent.Error):
            self.model.encode(np.zeros((2, 3, 6), np.float32))

    def test_the_gil_is_free_while_training(self):
        done = threading.Event()
        worker = threading.Thread(target=lambda: (latent.train(rows(2000, 1), layers=[64], epochs=30, seed=1),
                                                  done.set()))
        worker.start()
        ticks = 0
        start = time.monotonic()
        while not done.is_set() and time.monotonic() - start < 60:
            ticks += 1
            time.sleep(0.001)
        worker.join()
        # Python kept running beside the training (with the GIL held it would count about once).
        self.assertGreater(ticks, 20)


if __name__ == "__main__":
    unittest.main()
